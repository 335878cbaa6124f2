// A burst of sign-ins against a real portal-desk-server: many bogus attempts (made-up
// emails, and wrong passwords for real ones) from many addresses, with a few real people
// signing in on their own tablets in the middle of it. Prints one table: the server's
// peak memory, how long the real people waited (retrying on 503 as told by Retry-After),
// and whether /healthz kept answering.
//
//   node bench/sign-in-burst.mjs SERVER_BINARY [--total 1000] [--legit 20] [--runs 3]
//
// Each run starts the server afresh on a throwaway SQLite database with the demo data.
// Bogus attempts come from 127.0.0.2–127.0.0.251 (Linux routes all of 127/8 to loopback),
// so a per-address throttle sees 250 sources, as it would behind no proxy.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const binary = args[0];
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(args[at + 1]);
};
const TOTAL = option('total', 1000);
const LEGIT = option('legit', 20);
const RUNS = option('runs', 3);
const PASSWORD = 'portal-desk-demo';
const PEOPLE = [
  'asha.patel@riverside.example',
  'ben.okafor@riverside.example',
  'carys.jones@riverside.example',
  'dan.murphy@hilltop.example',
  'eve.sato@hilltop.example',
  'admin@portal-desk.example',
];
if (!binary) {
  console.error('usage: node bench/sign-in-burst.mjs SERVER_BINARY [--total N] [--legit N] [--runs N]');
  process.exit(2);
}

function freePort() {
  return new Promise((done) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

/** One request on its own connection from `from`; resolves to {status, body, headers, ms}. */
function request(port, path, { method = 'GET', body, from = '127.0.0.1', timeoutMs = 60_000 } = {}) {
  const started = performance.now();
  return new Promise((done) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        localAddress: from,
        agent: false,
        headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {},
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString(), ms: performance.now() - started }),
        );
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', (error) => done({ status: 0, error: error.message, ms: performance.now() - started }));
    if (data) req.write(data);
    req.end();
  });
}

const signInBody = (email, password, device, proof) => ({
  email,
  password,
  device,
  ...(proof ? { device_proof: proof, queued_through: 0 } : {}),
});

async function startServer(dir, port) {
  const child = spawn(
    binary,
    ['serve', '--demo', '--listen', `127.0.0.1:${port}`, '--database-url', `sqlite://${join(dir, 'burst.db')}`, '--static-dir', dir],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, RUST_LOG: 'warn' } },
  );
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  for (let i = 0; i < 300; i++) {
    if ((await request(port, '/healthz', { timeoutMs: 1000 })).status === 200) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not start: ${log}`);
}

/** The server's peak resident memory so far (VmHWM), in MB. */
const peakRssMb = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const median = (values) => percentile(values, 50);

async function oneRun() {
  const dir = mkdtempSync(join(tmpdir(), 'portal-desk-burst-'));
  const port = await freePort();
  const server = await startServer(dir, port);
  try {
    // Each real person has signed in on their own tablet before (which gives it its
    // secret on a server that hands them out); the burst is their next sign-in.
    const tablets = [];
    for (let i = 0; i < LEGIT; i++) {
      const email = PEOPLE[i % PEOPLE.length];
      const device = `bench-tablet-${i}`;
      const first = await request(port, '/api/v1/sign-in', { method: 'POST', body: signInBody(email, PASSWORD, device) });
      if (first.status !== 200) throw new Error(`set-up sign-in failed: ${first.status} ${first.body}`);
      tablets.push({ email, device, proof: JSON.parse(first.body).device_secret });
    }
    const baseRss = peakRssMb(server.pid);

    let probing = true;
    const health = [];
    const probe = (async () => {
      while (probing) {
        health.push(await request(port, '/healthz', { timeoutMs: 10_000 }));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const legitWaits = [];
    let legitFailed = 0;
    const statuses = {};
    const attempts = [];
    const legitEvery = Math.max(1, Math.floor(TOTAL / Math.max(1, LEGIT)));
    let legitNext = 0;
    const started = performance.now();
    for (let i = 0; i < TOTAL; i++) {
      const from = `127.0.0.${2 + (i % 250)}`;
      if (i % legitEvery === legitEvery >> 1 && legitNext < LEGIT) {
        const tablet = tablets[legitNext++];
        attempts.push(
          (async () => {
            const t0 = performance.now();
            for (let tries = 0; tries < 20; tries++) {
              const answer = await request(port, '/api/v1/sign-in', {
                method: 'POST',
                body: signInBody(tablet.email, PASSWORD, tablet.device, tablet.proof),
                from,
              });
              if (answer.status === 200) return legitWaits.push(performance.now() - t0);
              if (answer.status !== 503 && answer.status !== 429) break;
              const wait = Number(answer.headers['retry-after'] ?? 1) * 1000;
              await new Promise((r) => setTimeout(r, wait));
            }
            legitFailed++;
            legitWaits.push(Infinity);
          })(),
        );
      } else {
        const email = i % 2 ? `nobody-${i}@bogus.example` : PEOPLE[i % PEOPLE.length];
        attempts.push(
          request(port, '/api/v1/sign-in', { method: 'POST', body: signInBody(email, `wrong-${i}`, `bogus-${i}`), from }).then(
            (answer) => (statuses[answer.status] = (statuses[answer.status] ?? 0) + 1),
          ),
        );
      }
    }
    await Promise.all(attempts);
    const seconds = (performance.now() - started) / 1000;
    probing = false;
    await probe;
    return {
      seconds,
      baseRss,
      peakRss: peakRssMb(server.pid),
      legitP50: median(legitWaits),
      legitP95: percentile(legitWaits, 95),
      legitFailed,
      healthMax: Math.max(...health.map((h) => (h.status === 200 ? h.ms : Infinity))),
      healthFailed: health.filter((h) => h.status !== 200).length,
      healthCount: health.length,
      statuses,
    };
  } finally {
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const runs = [];
for (let i = 0; i < RUNS; i++) runs.push(await oneRun());
const fmt = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'never');
console.log(`\nSign-in burst: ${TOTAL} concurrent attempts, ${LEGIT} of them real people on their own tablets; ${RUNS} runs, medians`);
console.log(`server: ${binary}\n`);
console.log('| figure | median | runs |');
console.log('|---|---|---|');
const row = (name, pick, show) => console.log(`| ${name} | ${show(median(runs.map(pick)))} | ${runs.map((r) => show(pick(r))).join(', ')} |`);
row('whole burst', (r) => r.seconds * 1000, fmt);
row('server RSS before the burst', (r) => r.baseRss, (mb) => `${mb.toFixed(0)} MB`);
row('server peak RSS', (r) => r.peakRss, (mb) => `${mb.toFixed(0)} MB`);
row('real people signed in, p50', (r) => r.legitP50, fmt);
row('real people signed in, p95', (r) => r.legitP95, fmt);
row('real people never signed in', (r) => r.legitFailed, String);
row('/healthz slowest answer', (r) => r.healthMax, fmt);
row('/healthz failures', (r) => r.healthFailed, (n) => `${n}`);
console.log(`\nbogus attempts' answers (last run): ${JSON.stringify(runs.at(-1).statuses)}`);
