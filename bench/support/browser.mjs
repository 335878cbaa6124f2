// Tablets for the benchmark: each is a Chromium profile of its own on disk (so IndexedDB
// is written to disk and a cold start is a real browser restart), with a small timing
// helper in every page that records when something appears, by the page's own clock.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-renderer-backgrounding',
  '--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows',
];

// Runs in every page before the app. `__bench.watch(name, predicate)` records, under
// `marks[name]`, the first moment (performance.now(), from navigation start) at which
// `predicate()` holds, checked after every DOM change and every frame. Clicks and the
// `online` event are time-stamped too.
function timingHelper() {
  const bench = { marks: {}, clicks: [], keys: [], online: null };
  performance.setResourceTimingBufferSize(100000);
  addEventListener('click', (e) => bench.clicks.push(e.timeStamp), true);
  // Each keystroke, and the first moment after it that the page had painted a frame and
  // was free again (a slow input handler delays that moment).
  bench.keyFrames = [];
  addEventListener('keydown', (e) => {
    bench.keys.push(e.timeStamp);
    requestAnimationFrame(() => setTimeout(() => bench.keyFrames.push(performance.now()), 0));
  }, true);
  addEventListener('online', (e) => { bench.online = e.timeStamp; });
  bench.watch = (name, predicate) => {
    delete bench.marks[name];
    return new Promise((done) => {
      let observer = null;
      const check = () => {
        if (name in bench.marks) return true;
        let ok = false;
        try { ok = Boolean(predicate()); } catch { ok = false; }
        if (ok) {
          bench.marks[name] = performance.now();
          observer?.disconnect();
          done(bench.marks[name]);
        }
        return ok;
      };
      if (check()) return;
      observer = new MutationObserver(check);
      observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
      const frame = () => { if (!check()) requestAnimationFrame(frame); };
      requestAnimationFrame(frame);
    });
  };
  bench.text = () => document.body?.textContent ?? '';
  // How many cases the list says it holds in "All my site’s cases (N)", or -1.
  bench.siteCount = () => Number(bench.text().match(/All my site.s cases \((\d+)\)/)?.[1] ?? -1);
  // Whether `text` is on screen outside a text box (what a person typed does not count).
  bench.shown = (text) => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (node.data.includes(text) && !node.parentElement?.closest('textarea, input')) return true;
    }
    return false;
  };
  // The app's WebAssembly memory, caught as the module is instantiated, so the memory
  // figure can count it (the JS heap figure does not include wasm's linear memory).
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const original = WebAssembly[name];
    WebAssembly[name] = async (...args) => {
      const result = await original.apply(WebAssembly, args);
      const memory = result.instance?.exports?.memory;
      if (memory) bench.wasmMemory = memory;
      return result;
    };
  }
  bench.statusText = () => [...document.querySelectorAll('[role="status"]')].map((e) => e.textContent).join(' | ');
  window.__bench = bench;
}

/** A tablet: a Chromium profile kept on disk until `dispose()`. */
export function tablet(name) {
  const dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  let context = null;
  return {
    name,
    async open() {
      context = await chromium.launchPersistentContext(dir, {
        executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
        args: ARGS,
        viewport: { width: 1024, height: 768 },
        // The timing helper builds its checks with `new Function`; the app's CSP would refuse it.
        bypassCSP: true,
      });
      await context.addInitScript(timingHelper);
      const page = context.pages()[0] ?? (await context.newPage());
      return { context, page };
    },
    async close() {
      await context?.close();
      context = null;
    },
    async dispose() {
      await this.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the page's `marks[name]` is set (the time itself was taken in the page). */
export async function mark(page, name, timeout = 600_000) {
  const handle = await page.waitForFunction((n) => window.__bench?.marks[n], name, { timeout, polling: 50 });
  return handle.jsonValue();
}

/** Starts watching for `predicate` (a function run in the page) under `name`. */
export async function watch(page, name, predicate, arg) {
  await page.evaluate(
    ([n, source, a]) => {
      // eslint-disable-next-line no-new-func
      const fn = new Function('arg', `return (${source})(arg);`);
      window.__bench.watch(n, () => fn(a));
    },
    [name, predicate.toString(), arg],
  );
}

/** The page's time of its latest click. */
export const lastClick = (page) => page.evaluate(() => window.__bench.clicks.at(-1));
