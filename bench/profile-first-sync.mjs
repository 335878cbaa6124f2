// Profiles the first sync of the large site on an empty tablet with Chromium's sampling
// CPU profiler and prints where the time went, by function (self time) — the tool
// behind the "before and after" in BENCHMARKS.md. For names rather than
// `wasm-function[N]`, point PORTAL_DESK_STATIC_DIR at a build whose wasm kept its names
// (`PORTAL_DESK_WASM_NAMES=1 trunk build --release`, see scripts/build-wasm.sh).
//
//   PORTAL_DESK_SERVER_BIN=… PORTAL_DESK_STATIC_DIR=… BENCH_SITE_DB=… node profile-first-sync.mjs
//   PROFILE_TOP=0 …   # the first sync's time alone, without the profiler's overhead
import * as app from './support/app.mjs';
import { profileIf, settingsFromEnv, withTablet } from './support/profile.mjs';

const TOP = Number(process.env.PROFILE_TOP ?? 40);

async function main() {
  await withTablet(settingsFromEnv(), 'profile', async (server, page) => {
    const profiler = await profileIf(page, TOP, 200);
    const first = await app.firstSync(page, server.baseURL, 'asha.patel@riverside.example', 1);
    console.log(`first sync: ${first.ms.toFixed(0)} ms, ${first.pulls} pulls, ${first.pullNetworkMs.toFixed(0)} ms in pull requests`);
    await profiler.stop();
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
