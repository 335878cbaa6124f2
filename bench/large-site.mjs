// The issue-9 benchmark: a large site (scripts/bench-large-site.sh generates it) synced
// by the real Portal Desk app in Debian's Chromium against a local server, and the same
// records replicated by PouchDB to pouchdb-server in the same run, N times; prints one
// table of medians and the ratios.
//
//   node large-site.mjs   (settings come from the environment; see below)
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import * as app from './support/app.mjs';
import { tablet, mark, watch } from './support/browser.mjs';
import * as pouch from './support/pouch.mjs';
import { startPortalDesk, startPouchServer } from './support/processes.mjs';
import { median, ms, percentile, table } from './support/stats.mjs';

const env = (name, fallback) => process.env[name] ?? fallback;
const RUNS = Number(env('BENCH_RUNS', 3));
const EDIT_CASES = Number(env('BENCH_EDIT_CASES', 100));
const EDITS_PER_CASE = Number(env('BENCH_EDITS_PER_CASE', 10));
const SEARCH = env('BENCH_SEARCH', 'Okonkwo');
const settings = {
  binary: env('PORTAL_DESK_SERVER_BIN', '../target/release/portal-desk-server'),
  staticDir: env('PORTAL_DESK_STATIC_DIR', '../dist'),
  siteDb: env('BENCH_SITE_DB', '/tmp/portal-desk-large-site/site.db'),
  docs: env('BENCH_SITE_DOCS', '/tmp/portal-desk-large-site/docs.ndjson'),
  pouchBundle: join(import.meta.dirname, 'build', 'pouchdb.js'),
  pouchServer: join(import.meta.dirname, 'node_modules', '.bin', 'pouchdb-server'),
};
const ASHA = 'asha.patel@riverside.example';
const BEN = 'ben.okafor@riverside.example';

const log = (...words) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...words);

/** The patients' names of the cases the offline edits go to, from the documents file. */
async function caseNames(ids) {
  const wanted = new Set(ids);
  const names = {};
  for await (const line of createInterface({ input: createReadStream(settings.docs) })) {
    const id = line.slice(0, 200).match(/"id":"([^"]+)"/)?.[1];
    if (!wanted.has(id)) continue;
    names[id] = JSON.parse(line).fields.patient_name.value;
    if (Object.keys(names).length === wanted.size) break;
  }
  return names;
}

/** How many cases a Riverside analyst syncs: the case documents in the documents file. */
async function countCases() {
  let count = 0;
  for await (const line of createInterface({ input: createReadStream(settings.docs) })) {
    if (line.includes('"collection":"case"')) count += 1;
  }
  return count;
}

/**
 * How the tablet's IndexedDB holds the records, whatever the database is called: the
 * values under records' own ids, and the bundles (64 records a value, sealed, so their
 * records are not counted here; the case list's count says they are all there).
 */
async function storedRecords(page) {
  const counts = await page.evaluate(async () => {
    const count = (db, store) =>
      db.objectStoreNames.contains(store)
        ? new Promise((ok) => { const r = db.transaction(store).objectStore(store).count(); r.onsuccess = () => ok(r.result); })
        : 0;
    let own = 0;
    let bundles = 0;
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise((ok, fail) => { const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); r.onerror = fail; });
      own += await count(db, 'records');
      bundles += await count(db, 'bundles');
      db.close();
    }
    return { own, bundles };
  });
  return `${counts.own} records under their own ids and ${counts.bundles} bundles`;
}

async function portalDeskRun(run, editIds, names, caseCount, samples) {
  const server = await startPortalDesk(settings);
  const a = tablet(`a${run}`);
  const b = tablet(`b${run}`);
  try {
    let { page: pa } = await a.open();
    const first = await app.firstSync(pa, server.baseURL, ASHA, caseCount);
    log(`Portal Desk first sync (tablet A): ${ms(first.ms)} ms, ${first.pulls} pulls, ${(first.pullBytes / 1e6).toFixed(1)} MB, ${ms(first.pullNetworkMs)} ms in pull requests; ${await storedRecords(pa)} stored`);
    samples.firstSync.push(first.ms);
    samples.firstSyncListed.push(first.listedMs);
    await app.waitForOfflineReady(pa);

    const { page: pb, context: cb } = await b.open();
    const firstB = await app.firstSync(pb, server.baseURL, BEN, caseCount);
    log(`Portal Desk first sync (tablet B): ${ms(firstB.ms)} ms`);
    samples.firstSync.push(firstB.ms);
    samples.firstSyncListed.push(firstB.listedMs);

    // Cold start with no server: a freshly launched browser on tablet A's profile.
    await a.close();
    await server.stop();
    ({ page: pa } = await a.open());
    const cold = await app.coldStart(pa, server.baseURL, caseCount);
    log('Portal Desk cold start:', JSON.stringify(cold));
    if (cold.toListMs !== null) samples.coldStart.push(cold.toListMs);
    if (cold.unlockMs !== null) { samples.toLockScreen.push(cold.toLockScreenMs); samples.unlock.push(cold.unlockMs); }
    const memory = await app.memoryUse(pa);
    log('memory with the site listed:', JSON.stringify(memory));
    samples.jsHeapMB.push(memory.jsHeapMB);
    samples.wasmMB.push(memory.wasmMB);

    const keys = await app.searchAsYouType(pa, SEARCH);
    log(`search "${SEARCH}":`, keys.map((t) => (t === null ? '-' : ms(t))).join(' '));
    samples.keystroke.push(...keys.filter((t) => t !== null));
    await pa.getByLabel('Search by patient name, NHS number or case reference').fill('');

    for (const href of await app.caseLinks(pa, 5)) {
      await pa.locator(`main a[href="${href}"]`).waitFor();
      samples.openCase.push(await app.openCaseFromList(pa, href));
      await pa.goBack();
      await pa.locator('main a[href^="/cases/"]').first().waitFor();
    }
    log('open case:', samples.openCase.slice(-5).map(ms).join(' '));

    // 1,000 edits with the network cut; the server runs again meanwhile.
    await server.start();
    const { context: ca } = { context: pa.context() };
    await ca.setOffline(true);
    const started = Date.now();
    for (const id of editIds) {
      await app.goInApp(pa, `/cases/${id}`);
      await app.waitForCase(pa, names[id]);
      for (let i = 0; i < EDITS_PER_CASE; i += 1) {
        const { durable, shown } = await app.addNote(pa, `Offline note ${run}-${id}-${i}`);
        samples.durable.push(durable);
        samples.write.push(shown);
      }
    }
    const lastNote = `Offline note ${run}-${editIds.at(-1)}-${EDITS_PER_CASE - 1}`;
    log(`${editIds.length * EDITS_PER_CASE} offline edits in ${((Date.now() - started) / 1000).toFixed(0)} s; status: ${await pa.evaluate(() => window.__bench.statusText())}`);

    // Tablet B has the last edited case open.
    await app.goInApp(pb, `/cases/${editIds.at(-1)}`);
    await app.waitForCase(pb, names[editIds.at(-1)]);

    // Reconnect: the browser's `online` event starts the push.
    await watch(pa, 'pushed', () => /All changes synced/.test(window.__bench.statusText()));
    await ca.setOffline(false);
    const pushed = await mark(pa, 'pushed');
    const online = await pa.evaluate(() => window.__bench.online);
    const serverHas = pushed - online;
    await watch(pb, 'shown', (t) => window.__bench.shown(t), lastNote);
    await pb.getByRole('button', { name: 'Sync now' }).click();
    await mark(pb, 'shown');
    // Timed from A's reconnect by the wall clock the two tablets share (they run on
    // one machine): B's own timer may pull the edits before "Sync now" is clicked.
    const onlineAt = await pa.evaluate(() => performance.timeOrigin + window.__bench.online);
    const shownAt = await pb.evaluate(() => performance.timeOrigin + window.__bench.marks.shown);
    log(`catch-up: server has them after ${ms(serverHas)} ms; tablet B shows them ${ms(shownAt - onlineAt)} ms after the reconnect`);
    samples.serverHas.push(serverHas);
    samples.secondShows.push(shownAt - onlineAt);
    void cb;
  } finally {
    await a.dispose();
    await b.dispose();
    await server.dispose();
  }
}

async function pouchRun(run, pouchServer, db, editIds, samples) {
  const a = tablet(`pouch-a${run}`);
  const b = tablet(`pouch-b${run}`);
  try {
    const { page: pa } = await a.open();
    await pouch.openPouchPage(pa, pouchServer.baseURL, settings.pouchBundle);
    const first = await pouch.pouchFirstSync(pa, pouchServer.baseURL, db);
    log(`PouchDB first sync (tablet A): ${ms(first.ms)} ms, ${first.local} documents`);
    samples.pouchFirstSync.push(first.ms);
    const { page: pb } = await b.open();
    await pouch.openPouchPage(pb, pouchServer.baseURL, settings.pouchBundle);
    const firstB = await pouch.pouchFirstSync(pb, pouchServer.baseURL, db);
    log(`PouchDB first sync (tablet B): ${ms(firstB.ms)} ms`);
    samples.pouchFirstSync.push(firstB.ms);

    // Tablet A pushes once with nothing new, as a syncing replica would have, so the
    // catch-up below starts from a push checkpoint just as Portal Desk's outbox does.
    await pouch.pouchPush(pa, pouchServer.baseURL, db);

    const tag = `Pouch note ${run}`;
    samples.pouchWrite.push(...(await pouch.pouchOfflineEdits(pa, editIds, EDITS_PER_CASE, tag)));
    const pushed = await pouch.pouchPush(pa, pouchServer.baseURL, db);
    const lastText = `${tag} ${editIds.at(-1)} ${EDITS_PER_CASE - 1}`;
    const caught = await pouch.pouchCatchUp(pb, pouchServer.baseURL, db, editIds.at(-1), lastText);
    log(`PouchDB catch-up: server has them after ${ms(pushed.ms)} ms (${pushed.docs} documents); tablet B after ${ms(caught.ms)} ms more`);
    samples.pouchServerHas.push(pushed.ms);
    samples.pouchSecondShows.push(pushed.ms + caught.ms);
  } finally {
    await a.dispose();
    await b.dispose();
  }
}

async function main() {
  const editIds = Array.from({ length: EDIT_CASES }, (_, i) => `case-${String(i).padStart(5, '0')}`);
  const names = await caseNames(editIds);
  const caseCount = await countCases();
  log(`${caseCount} cases for a Riverside analyst`);
  const samples = {
    firstSync: [], firstSyncListed: [], coldStart: [], toLockScreen: [], unlock: [], jsHeapMB: [], wasmMB: [], keystroke: [], openCase: [], durable: [], write: [], serverHas: [], secondShows: [],
    pouchFirstSync: [], pouchWrite: [], pouchServerHas: [], pouchSecondShows: [],
  };
  log('starting pouchdb-server (in memory) and loading the documents');
  const pouchServer = await startPouchServer({ bin: settings.pouchServer });
  const db = 'site';
  try {
    log(`${await pouch.loadDocs(pouchServer.baseURL, db, settings.docs)} documents loaded into pouchdb-server`);
    for (let run = 1; run <= RUNS; run += 1) {
      log(`run ${run} of ${RUNS}: Portal Desk`);
      await portalDeskRun(run, editIds, names, caseCount, samples);
      log(`run ${run} of ${RUNS}: PouchDB`);
      await pouchRun(run, pouchServer, db, editIds, samples);
    }
  } finally {
    await pouchServer.dispose();
  }

  const edits = EDIT_CASES * EDITS_PER_CASE;
  const ratio = (theirs, ours) => `${(median(theirs) / median(ours)).toFixed(1)}×`;
  const row = (what, values, target = '') => [what, ms(median(values)), ms(Math.min(...values)), ms(Math.max(...values)), String(values.length), target];
  console.log(`\nLarge site: ${RUNS} runs; medians in milliseconds (fastest, slowest, samples).\n`);
  console.log(table(['what', 'median ms', 'fastest', 'slowest', 'samples', 'target'], [
    row('Portal Desk: first sync of the whole site to an empty tablet', samples.firstSync, '< 5000'),
    row('Portal Desk: … until the case list counts every case', samples.firstSyncListed),
    row('PouchDB → pouchdb-server: the same records, first sync', samples.pouchFirstSync),
    row('Portal Desk: cold start, offline, to the full case list (when not locked)', samples.coldStart, '< 1000'),
    row('Portal Desk: cold start, offline, to the unlock screen', samples.toLockScreen, '< 1000'),
    row('Portal Desk: unlock (PIN submitted → the full case list)', samples.unlock),
    [ 'Portal Desk: memory with the site unlocked and listed: JS heap, MB', samples.jsHeapMB.length ? median(samples.jsHeapMB).toFixed(1) : 'n/a', '', '', String(samples.jsHeapMB.length), '' ],
    [ 'Portal Desk: … WebAssembly memory, MB', samples.wasmMB.length ? median(samples.wasmMB).toFixed(1) : 'n/a', '', '', String(samples.wasmMB.length), '' ],
    row('Portal Desk: search as you type, per keystroke', samples.keystroke, '< 16'),
    row('Portal Desk: open a case from the list', samples.openCase),
    row('Portal Desk: local write (click Add note → durable with its outbox entry), p50', samples.durable),
    [ 'Portal Desk: local write to durable, p95', ms(percentile(samples.durable, 0.95)), '', '', String(samples.durable.length), '< 15' ],
    row('Portal Desk: local write (click Add note → note in the timeline), p50', samples.write),
    [ 'Portal Desk: local write, p95', ms(percentile(samples.write, 0.95)), '', '', String(samples.write.length), '' ],
    row('PouchDB: local write (get + put), p50', samples.pouchWrite),
    [ 'PouchDB: local write, p95', ms(percentile(samples.pouchWrite, 0.95)), '', '', String(samples.pouchWrite.length), '' ],
    row(`Portal Desk: ${edits} offline edits, reconnect → server has them`, samples.serverHas),
    row(`PouchDB: ${edits} offline edits, replicate → server has them`, samples.pouchServerHas),
    row(`Portal Desk: ${edits} offline edits, reconnect → second tablet shows them`, samples.secondShows),
    row(`PouchDB: ${edits} offline edits → second tablet has them`, samples.pouchSecondShows),
  ]));
  console.log('\nRatios (PouchDB median ÷ Portal Desk median; above 1 means Portal Desk is faster):\n');
  console.log(table(['job', 'ratio', 'target'], [
    ['first sync of the large site', ratio(samples.pouchFirstSync, samples.firstSync), '≥ 5×'],
    [`${edits}-edit catch-up, until the server has them`, ratio(samples.pouchServerHas, samples.serverHas), ''],
    [`${edits}-edit catch-up, until the second tablet has them`, ratio(samples.pouchSecondShows, samples.secondShows), ''],
  ]));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
