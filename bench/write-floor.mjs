// The floor under a local write: what the browser itself takes, on a bare page, to make
// a write as small as the app's (bench/floor/) and to tell the page it is committed —
// after a click, as in the app; from a timer, with no input before it; and in a
// worker, after a click. Prints medians and p95s in milliseconds, so that the app's
// own figures (`profile-write.mjs`, run beside this) can be set against what no page
// can go below on the same machine.
//
//   node write-floor.mjs
//   FLOOR_WRITES=200 FLOOR_ROUNDS=3 node write-floor.mjs   # defaults 100 and 2
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { tablet } from './support/browser.mjs';
import { median, ms, percentile, table } from './support/stats.mjs';

const WRITES = Number(process.env.FLOOR_WRITES ?? 100);
const ROUNDS = Number(process.env.FLOOR_ROUNDS ?? 2);
const FILES = join(import.meta.dirname, 'floor');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript' };

/** Serves bench/floor/ on a free local port; resolves to the server. */
function serveFloor() {
  const server = createServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname.slice(1) || 'page.html';
    if (name === 'favicon.ico') return res.writeHead(204).end();
    try {
      const body = readFileSync(join(FILES, name.replace(/[^\w.-]/g, '')));
      res.writeHead(200, { 'content-type': TYPES[extname(name)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

/** `count` writes on the page, each from a click (or from a timer), one after another. */
async function writes(page, count, fromTimer) {
  await page.evaluate(() => { window.floor.samples = []; });
  for (let i = 0; i < count; i += 1) {
    if (fromTimer) await page.evaluate(() => new Promise((ok) => setTimeout(() => { window.floor.write(); ok(); }, 0)));
    else await page.getByRole('button', { name: 'Add note' }).click();
    await page.waitForFunction((n) => window.floor.samples.length > n, i, { polling: 'raf' });
    await page.waitForTimeout(30);
  }
  return page.evaluate(() => window.floor.samples.map((s, i) => ({ ...s, clicked: window.__bench.clicks[i] })));
}

async function main() {
  const server = await serveFloor();
  const base = `http://127.0.0.1:${server.address().port}/page.html`;
  const device = tablet('write-floor');
  const { page } = await device.open();
  page.on('console', (m) => m.type() === 'error' && console.error('page:', m.text()));
  page.on('pageerror', (e) => console.error('page error:', e.message));
  const ways = [
    { name: 'the page, after a click', where: 'page', fromTimer: false },
    { name: 'the page, from a timer (no input)', where: 'page', fromTimer: true },
    { name: 'a worker, after a click', where: 'worker', fromTimer: false },
  ];
  const found = new Map(ways.map((w) => [w.name, { fromInput: [], fromHandler: [], heard: [] }]));
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const way of ways) {
        await page.goto(`${base}?where=${way.where}`);
        await page.evaluate(() => window.floor.ready);
        await writes(page, 10, way.fromTimer); // warm-up, not counted
        await page.evaluate(() => { window.__bench.clicks = []; });
        const samples = await writes(page, WRITES, way.fromTimer);
        const into = found.get(way.name);
        for (const s of samples) {
          into.fromHandler.push(s.complete - s.started);
          if (!way.fromTimer) into.fromInput.push(s.complete - s.clicked);
          into.heard.push(s.heard - (way.fromTimer ? s.started : s.clicked));
        }
      }
    }
  } finally {
    await device.dispose();
    server.close();
  }
  console.log(`${WRITES} writes × ${ROUNDS} rounds each, alternated; five requests, strict, committed at once; ms:\n`);
  const rows = [...found].map(([name, s]) => [
    name,
    ms(median(s.fromInput)), ms(percentile(s.fromInput, 0.95)),
    ms(median(s.fromHandler)), ms(percentile(s.fromHandler, 0.95)),
    ms(median(s.heard)), ms(percentile(s.heard, 0.95)),
  ]);
  console.log(table(['write made by', 'click → committed, median', 'p95', 'handler → committed, median', 'p95', 'click (or start) → page knows, median', 'p95'], rows));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
