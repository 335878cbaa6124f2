// What the profiling scripts share: a tablet against a server, and Chromium's CPU
// profiler read as self time by function name.
import { tablet } from './browser.mjs';
import { startPortalDesk } from './processes.mjs';

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
