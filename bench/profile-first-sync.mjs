// Profiles the first sync of the large site on an empty tablet with Chromium's sampling
// CPU profiler and prints where the time went, by function (self time) — the tool
// behind the "before and after" in BENCHMARKS.md. For names rather than
// `wasm-function[N]`, point PORTAL_DESK_STATIC_DIR at a build whose wasm kept its names
// (wasm-bindgen --keep-debug over target/wasm32-unknown-unknown/release/portal-desk.wasm).
//
//   PORTAL_DESK_SERVER_BIN=… PORTAL_DESK_STATIC_DIR=… BENCH_SITE_DB=… node profile-first-sync.mjs
//   PROFILE_TOP=0 …   # the first sync's time alone, without the profiler's overhead
import * as app from './support/app.mjs';
import { tablet } from './support/browser.mjs';
import { startPortalDesk } from './support/processes.mjs';

const env = (name, fallback) => process.env[name] ?? fallback;
const settings = {
  binary: env('PORTAL_DESK_SERVER_BIN', '../target/release/portal-desk-server'),
  staticDir: env('PORTAL_DESK_STATIC_DIR', '../dist'),
  siteDb: env('BENCH_SITE_DB', '/tmp/portal-desk-large-site/site.db'),
};
const TOP = Number(env('PROFILE_TOP', 40));

/** Self time per function name, in milliseconds, from a CPU profile. */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const ms = new Map();
  const deltas = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i += 1) {
    const node = byId.get(profile.samples[i]);
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || `(anonymous ${url.split('/').at(-1)}:${lineNumber + 1})`;
    ms.set(name, (ms.get(name) ?? 0) + (deltas[i] ?? 0) / 1000);
  }
  return [...ms.entries()].sort((a, b) => b[1] - a[1]);
}

async function main() {
  const server = await startPortalDesk(settings);
  const a = tablet('profile');
  try {
    const { page } = await a.open();
    const cdp = await page.context().newCDPSession(page);
    if (TOP > 0) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    const first = await app.firstSync(page, server.baseURL, 'asha.patel@riverside.example', 1);
    console.log(`first sync: ${first.ms.toFixed(0)} ms, ${first.pulls} pulls, ${first.pullNetworkMs.toFixed(0)} ms in pull requests`);
    if (TOP === 0) return;
    const { profile } = await cdp.send('Profiler.stop');
    const times = selfTimes(profile);
    const total = times.reduce((sum, [, t]) => sum + t, 0);
    console.log(`profiled ${total.toFixed(0)} ms; top ${TOP} by self time:`);
    for (const [name, t] of times.slice(0, TOP)) {
      console.log(`${t.toFixed(0).padStart(7)} ms ${((100 * t) / total).toFixed(1).padStart(5)}%  ${name.slice(0, 150)}`);
    }
  } finally {
    await a.close();
    await a.dispose?.();
    await server.dispose();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
