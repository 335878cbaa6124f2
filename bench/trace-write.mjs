// Looks inside a local write with a browser trace: on a tablet holding the large site,
// offline, adds notes to one case under Chromium's tracing, and prints, per stage, the
// median and p95 over the notes of when each stage ended (milliseconds from the
// store's `portal-desk:write-start` mark) and of how long the renderer's main thread
// and IndexedDB's thread spent on each kind of work before the write was durable. The
// tool behind the trace tables in BENCHMARKS.md; tracing slows everything down, so
// compare its figures with each other, not with `profile-write.mjs`'s.
//
//   PORTAL_DESK_SERVER_BIN=… PORTAL_DESK_STATIC_DIR=… BENCH_SITE_DB=… node trace-write.mjs
//   TRACE_WRITES=100 …   # more notes (default 60)
import * as app from './support/app.mjs';
import { openCaseOffline, settingsFromEnv, withTablet } from './support/profile.mjs';
import { median, ms, percentile, table } from './support/stats.mjs';

const WRITES = Number(process.env.TRACE_WRITES ?? 60);
const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing', 'toplevel', 'IndexedDB'];

/** Records Chromium's trace events while `job` runs. */
async function traced(page, job) {
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (d) => events.push(...d.value));
  const complete = new Promise((done) => cdp.once('Tracing.tracingComplete', done));
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: CATEGORIES }, transferMode: 'ReportEvents' });
  await job();
  await cdp.send('Tracing.end');
  await complete;
  return events;
}

/** The stages of each write in `events`, by name: milliseconds, one value per write. */
function stagesOf(events) {
  const thread = events.find((e) => e.name === 'thread_name' && e.args.name === 'CrRendererMain');
  const onMain = (e) => e.pid === thread.pid && e.tid === thread.tid;
  const marks = events.filter((e) => e.name.startsWith('portal-desk:') && e.cat.includes('blink.user_timing'));
  const spans = events.filter((e) => e.ph === 'X');
  const stages = {};
  const add = (name, value) => (stages[name] ??= []).push(value);
  for (const start of marks.filter((e) => e.name === 'portal-desk:write-start')) {
    const durable = marks.find((e) => e.name === 'portal-desk:durable' && e.ts > start.ts);
    if (!durable) continue;
    const from = (t) => (t - start.ts) / 1000;
    const within = spans.filter((e) => e.ts >= start.ts && e.ts <= durable.ts);
    const total = (keep) => within.filter(keep).reduce((sum, e) => sum + Math.min(e.dur, durable.ts - e.ts) / 1000, 0);
    const commit = within.find((e) => e.name === 'Transaction::DoPendingCommit');
    const answered = within.find((e) => onMain(e) && e.name === 'IDBTransaction::onComplete');
    add('IndexedDB: the requests run, in all', total((e) => /^Database::\w+Operation$/.test(e.name)));
    add('IndexedDB: commit begun', commit ? from(commit.ts) : NaN);
    add('IndexedDB: commit flushed', commit ? from(commit.ts + commit.dur) : NaN);
    add('main thread: busy in tasks, in all', total((e) => onMain(e) && e.name === 'RunTask'));
    add('main thread: of which style and layout', total((e) => onMain(e) && (e.name === 'UpdateLayoutTree' || e.name === 'Layout')));
    add('main thread: of which paint and its commit', total((e) => onMain(e) && ['PrePaint', 'Paint', 'Layerize', 'Commit'].includes(e.name)));
    add('main thread: `complete` dispatched', answered ? from(answered.ts) : NaN);
    add('durable (the app’s mark)', from(durable.ts));
  }
  return stages;
}

async function main() {
  await withTablet(settingsFromEnv(), 'trace-write', async (server, page) => {
    await openCaseOffline(server, page);
    for (let i = 0; i < 10; i += 1) await app.addNote(page, `Warm-up note ${i}`);
    const events = await traced(page, async () => {
      for (let i = 0; i < WRITES; i += 1) await app.addNote(page, `Traced note ${i}`);
    });
    const stages = stagesOf(events);
    console.log(`${WRITES} notes under tracing, offline, on a tablet holding the large site; milliseconds from the write's start:\n`);
    console.log(table(['stage', 'median', 'p95'], Object.entries(stages).map(([name, t]) => [name, ms(median(t)), ms(percentile(t, 0.95))])));
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
