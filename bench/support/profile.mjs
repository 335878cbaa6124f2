// What the profiling scripts share: their settings, a tablet against a server, a case
// opened on it offline, and Chromium's CPU profiler read as self time by function name.
import * as app from './app.mjs';
import { tablet } from './browser.mjs';
import { startPortalDesk } from './processes.mjs';

/** The server, the app's files and the large site to profile against, from the environment. */
export function settingsFromEnv() {
  const env = (name, fallback) => process.env[name] ?? fallback;
  return {
    binary: env('PORTAL_DESK_SERVER_BIN', '../target/release/portal-desk-server'),
    staticDir: env('PORTAL_DESK_STATIC_DIR', '../dist'),
    siteDb: env('BENCH_SITE_DB', '/tmp/portal-desk-large-site/site.db'),
  };
}

/** Syncs the large site to the tablet, goes offline and opens one of the cases listed. */
export async function openCaseOffline(server, page) {
  await app.firstSync(page, server.baseURL, 'asha.patel@riverside.example', 1);
  await page.context().setOffline(true);
  await page.locator('main a[href^="/cases/"]:not([href="/cases/new"])').first().waitFor();
  const href = (await app.caseLinks(page, 5)).find((h) => h !== '/cases/new');
  await app.goInApp(page, href);
  await page.getByLabel('Add a note').waitFor({ timeout: 60_000 });
}

/** Self time per function name, in milliseconds, from a CPU profile. */
export function selfTimes(profile) {
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

/** Prints the `top` functions of a CPU profile by self time, with their share. */
export function printSelfTimes(profile, top) {
  const times = selfTimes(profile);
  const total = times.reduce((sum, [, t]) => sum + t, 0);
  console.log(`profiled ${total.toFixed(0)} ms; top ${top} by self time:`);
  for (const [name, t] of times.slice(0, top)) {
    console.log(`${t.toFixed(0).padStart(7)} ms ${((100 * t) / total).toFixed(1).padStart(5)}%  ${name.slice(0, 150)}`);
  }
}

/**
 * Starts Chromium's sampling CPU profiler on `page` when `top` is above 0; the answer's
 * `stop()` prints the `top` functions by self time (and does nothing when not started).
 */
export async function profileIf(page, top, intervalMicros) {
  if (top <= 0) return { stop: async () => {} };
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: intervalMicros });
  await cdp.send('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await cdp.send('Profiler.stop');
      printSelfTimes(profile, top);
    },
  };
}

/** Runs `job(server, page)` on a fresh tablet against a Portal Desk server, then tidies up. */
export async function withTablet(settings, name, job) {
  const server = await startPortalDesk(settings);
  const a = tablet(name);
  try {
    const { page } = await a.open();
    await job(server, page);
  } finally {
    await a.close();
    await a.dispose?.();
    await server.dispose();
  }
}

/**
 * Runs `job(server, page, dist)` on a fresh tablet for each build named in
 * `PROFILE_DISTS` (comma-separated app directories; by default `settings.staticDir`),
 * each in turn, `rounds` times over, so that builds are compared in the same minutes.
 * Resolves to the builds' directories.
 */
export async function eachBuildInTurn(settings, name, rounds, job) {
  const dists = (process.env.PROFILE_DISTS ?? settings.staticDir).split(',');
  for (let round = 0; round < rounds; round += 1) {
    for (const dist of dists) {
      await withTablet({ ...settings, staticDir: dist }, name, (server, page) => job(server, page, dist));
    }
  }
  return dists;
}
