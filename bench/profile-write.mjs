// Breaks a local write down: on a tablet holding the large site, offline, adds notes to
// one case and prints, per stage, the median and p95 of the time from the click to the
// app's User Timing marks (the store starting the write, then its durable commit) and to
// the note on screen — the tool behind the write figures' "where the time goes".
//
//   PORTAL_DESK_SERVER_BIN=… PORTAL_DESK_STATIC_DIR=… BENCH_SITE_DB=… node profile-write.mjs
//   PROFILE_WRITES=200 …   # more notes (default 100)
//   PROFILE_TOP=40 …       # also print where the page's time went, by function
import * as app from './support/app.mjs';
import { profileIf, withTablet } from './support/profile.mjs';
import { median, ms, percentile, table } from './support/stats.mjs';

const env = (name, fallback) => process.env[name] ?? fallback;
const settings = {
  binary: env('PORTAL_DESK_SERVER_BIN', '../target/release/portal-desk-server'),
  staticDir: env('PORTAL_DESK_STATIC_DIR', '../dist'),
  siteDb: env('BENCH_SITE_DB', '/tmp/portal-desk-large-site/site.db'),
};
const WRITES = Number(env('PROFILE_WRITES', 100));
const TOP = Number(env('PROFILE_TOP', 0));
// The app's marks, in the order a write leaves them.
const MARKS = ['portal-desk:write-start', 'portal-desk:durable'];

async function main() {
  await withTablet(settings, 'profile-write', async (server, page) => {
    await app.firstSync(page, server.baseURL, 'asha.patel@riverside.example', 1);
    await page.context().setOffline(true);
    await page.locator('main a[href^="/cases/"]:not([href="/cases/new"])').first().waitFor();
    const href = (await app.caseLinks(page, 5)).find((h) => h !== '/cases/new');
    await app.goInApp(page, href);
    await page.getByLabel('Add a note').waitFor({ timeout: 60_000 });
    const profiler = await profileIf(page, TOP, 100);
    const stages = Object.fromEntries([...MARKS, 'shown'].map((m) => [m, []]));
    for (let i = 0; i < WRITES; i += 1) {
      const { shown } = await app.addNote(page, `Profiled note ${i}`);
      const at = await page.evaluate((names) => {
        const clicked = window.__bench.clicks.at(-1);
        return names.map((n) => (performance.getEntriesByName(n, 'mark').at(-1)?.startTime ?? NaN) - clicked);
      }, MARKS);
      MARKS.forEach((m, j) => stages[m].push(at[j]));
      stages.shown.push(shown);
    }
    console.log(`${WRITES} notes, offline, on a tablet holding the large site; milliseconds from the click:\n`);
    console.log(table(['until', 'median', 'p95'], Object.entries(stages).map(([name, t]) => [name, ms(median(t)), ms(percentile(t, 0.95))])));
    await profiler.stop();
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
