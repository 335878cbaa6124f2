// The changes screen with many changes waiting: on a tablet holding the large site,
// offline, adds notes to one case through its "Add note" (300 by default), then opens
// "Changes on this device" several times, going back to the case in between, and prints
// the time from the navigation to every waiting change being listed: the first visit
// after unlocking, and the median of the later ones. Given several builds, runs each
// in turn, a fresh tablet each, so that builds are compared in the same minutes.
//
//   PORTAL_DESK_SERVER_BIN=… PORTAL_DESK_STATIC_DIR=… BENCH_SITE_DB=… node profile-changes.mjs
//   PROFILE_DISTS=/tmp/dist-a,/tmp/dist-b …   # builds to compare (default the one above)
//   PROFILE_WAITING=300 PROFILE_VISITS=4 PROFILE_ROUNDS=2 …   # the defaults
import * as app from './support/app.mjs';
import { mark, watch } from './support/browser.mjs';
import { eachBuildInTurn, openCaseOffline, settingsFromEnv } from './support/profile.mjs';
import { median, ms, table } from './support/stats.mjs';

const WAITING = Number(process.env.PROFILE_WAITING ?? 300);
const VISITS = Number(process.env.PROFILE_VISITS ?? 4);
const ROUNDS = Number(process.env.PROFILE_ROUNDS ?? 2);

/** Milliseconds from going to the changes screen until it lists `waiting` changes. */
async function openChanges(page, waiting) {
  await watch(page, 'changes', (n) => document.querySelector('h1')?.textContent.includes('Changes on this device')
    && document.querySelectorAll('.change-list__item').length >= n, waiting);
  const start = await page.evaluate(() => performance.now());
  await app.goInApp(page, '/changes');
  return (await mark(page, 'changes')) - start;
}

async function main() {
  const found = new Map();
  await eachBuildInTurn(settingsFromEnv(), 'profile-changes', ROUNDS, async (server, page, dist) => {
    await openCaseOffline(server, page);
    for (let i = 0; i < WAITING; i += 1) await app.addNote(page, `Offline note ${i}`);
    const casePath = new URL(page.url()).pathname;
    if (!found.has(dist)) found.set(dist, { first: [], later: [] });
    for (let visit = 0; visit < VISITS; visit += 1) {
      const took = await openChanges(page, WAITING);
      found.get(dist)[visit === 0 ? 'first' : 'later'].push(took);
      await app.goInApp(page, casePath);
      await page.getByLabel('Add a note').waitFor();
    }
  });
  console.log(`The changes screen with ${WAITING} changes waiting, on a tablet holding the large site; ${ROUNDS} rounds; milliseconds:\n`);
  const rows = [...found].map(([dist, t]) => [dist, ms(median(t.first)), ms(median(t.later)), String(t.later.length)]);
  console.log(table(['build', 'first visit after unlocking, median', 'later visits, median', 'later visits'], rows));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
