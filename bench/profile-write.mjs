// Breaks a local write down: on a tablet holding the large site, offline, adds notes to
// one case and prints, per stage, the median and p95 of the time from the click (its
// event's time stamp, when the mouse button went up) to the browser dispatching the
// press and the click (which saves the note), to the app's User Timing marks (the store
// starting the write, then its durable commit) and to the note on screen — the tool
// behind the write figures' "where the time goes". `trace-write.mjs` looks inside the
// stages with a browser trace.
//
//   PORTAL_DESK_SERVER_BIN=… PORTAL_DESK_STATIC_DIR=… BENCH_SITE_DB=… node profile-write.mjs
//   PROFILE_WRITES=200 …   # more notes (default 100)
//   PROFILE_TOP=40 …       # also print where the page's time went, by function
import * as app from './support/app.mjs';
import { openCaseOffline, profileIf, settingsFromEnv, withTablet } from './support/profile.mjs';
import { median, ms, percentile, table } from './support/stats.mjs';

const WRITES = Number(process.env.PROFILE_WRITES ?? 100);
const TOP = Number(process.env.PROFILE_TOP ?? 0);
// The input events a click on "Add note" brings, in order; each is timed as dispatched.
const EVENTS = ['pointerdown', 'click'];
// The app's marks, in the order a write leaves them.
const MARKS = ['portal-desk:write-start', 'portal-desk:durable'];

async function main() {
  await withTablet(settingsFromEnv(), 'profile-write', async (server, page) => {
    await openCaseOffline(server, page);
    await page.evaluate((events) => {
      window.__dispatched = {};
      for (const type of events) addEventListener(type, () => { window.__dispatched[type] = performance.now(); }, true);
    }, EVENTS);
    const profiler = await profileIf(page, TOP, 100);
    const stages = Object.fromEntries([...EVENTS, ...MARKS, 'shown'].map((m) => [m, []]));
    for (let i = 0; i < WRITES; i += 1) {
      const { shown } = await app.addNote(page, `Profiled note ${i}`);
      const at = await page.evaluate(({ events, marks }) => {
        const clicked = window.__bench.clicks.at(-1);
        const mark = (n) => performance.getEntriesByName(n, 'mark').at(-1)?.startTime ?? NaN;
        return [...events.map((e) => window.__dispatched[e] ?? NaN), ...marks.map(mark)].map((t) => t - clicked);
      }, { events: EVENTS, marks: MARKS });
      [...EVENTS, ...MARKS].forEach((m, j) => stages[m].push(at[j]));
      stages.shown.push(shown);
    }
    console.log(`${WRITES} notes, offline, on a tablet holding the large site; milliseconds from the click:\n`);
    const rows = Object.entries(stages).map(([name, t]) => [EVENTS.includes(name) ? `${name} dispatched` : name, ms(median(t)), ms(percentile(t, 0.95))]);
    console.log(table(['until', 'median', 'p95'], rows));
    await profiler.stop();
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
