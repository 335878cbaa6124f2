// Search as you type, key by key: on a tablet that has synced the large site, types a
// name into the case search one key at a time, several times over, and prints the
// median time of each key (from its `keydown` to the later of the list's last change
// and the next painted frame, as `large-site.mjs` times it), with the median, p95 and
// slowest over all keys. The large-site table's one figure is the median over all keys,
// which hides the keys that change which rows are listed; this shows them. Given
// several builds, it alternates between them, a fresh tablet and first sync each round,
// so that builds are compared in the same minutes.
//
//   PORTAL_DESK_SERVER_BIN=… PORTAL_DESK_STATIC_DIR=… BENCH_SITE_DB=… node profile-search.mjs
//   PROFILE_DISTS=/tmp/dist-a,/tmp/dist-b …   # builds to alternate (default the one above)
//   PROFILE_QUERY=Okonkwo PROFILE_ROUNDS=3 PROFILE_SEARCHES=5 …   # the defaults
import * as app from './support/app.mjs';
import { eachBuildInTurn, settingsFromEnv } from './support/profile.mjs';
import { median, ms, percentile, table } from './support/stats.mjs';

const QUERY = process.env.PROFILE_QUERY ?? 'Okonkwo';
const ROUNDS = Number(process.env.PROFILE_ROUNDS ?? 3);
const SEARCHES = Number(process.env.PROFILE_SEARCHES ?? 5);
// The large site's Riverside analyst, and how many cases her list holds once synced.
const ANALYST = 'asha.patel@riverside.example';
const CASES = 10006;

async function main() {
  const searches = new Map();
  await eachBuildInTurn(settingsFromEnv(), 'profile-search', ROUNDS, async (server, page, dist) => {
    await app.firstSync(page, server.baseURL, ANALYST, CASES);
    await app.searchAsYouType(page, QUERY); // warm-up, not counted
    if (!searches.has(dist)) searches.set(dist, []);
    for (let i = 0; i < SEARCHES; i += 1) searches.get(dist).push(await app.searchAsYouType(page, QUERY));
  });
  const keys = [...QUERY];
  console.log(`"${QUERY}" typed ${ROUNDS * SEARCHES} times on each build (${ROUNDS} rounds, alternated); median milliseconds per key:\n`);
  const rows = [...searches].map(([dist, runs]) => {
    const all = runs.flat();
    return [dist, ...keys.map((_, k) => ms(median(runs.map((run) => run[k])))), ms(median(all)), ms(percentile(all, 0.95)), ms(Math.max(...all))];
  });
  console.log(table(['build', ...keys, 'all keys: median', 'p95', 'slowest'], rows));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
