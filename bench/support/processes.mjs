// The benchmark's servers: a Portal Desk server on a copy of the generated site, and
// pouchdb-server in memory, each on a free loopback port.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

async function waitFor(url, child, log) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited early:\n${log.join('')}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer:\n${log.join('')}`);
}

function spawnLogged(command, args, options = {}) {
  const log = [];
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  child.stdout.on('data', (d) => log.push(d.toString()));
  child.stderr.on('data', (d) => log.push(d.toString()));
  return { child, log };
}

async function stopChild(child) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** A Portal Desk server on a private copy of `siteDb`; `stop()` and `start()` cut and restore the network. */
export async function startPortalDesk({ binary, siteDb, staticDir }) {
  const dir = mkdtempSync(join(tmpdir(), 'portal-desk-bench-'));
  const db = join(dir, 'site.db');
  copyFileSync(siteDb, db);
  if (existsSync(`${siteDb}-wal`)) copyFileSync(`${siteDb}-wal`, `${db}-wal`);
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  let running = null;
  async function start() {
    running = spawnLogged(binary, [
      'serve', '--listen', `127.0.0.1:${port}`, '--database-url', `sqlite://${db}`, '--static-dir', staticDir,
    ], { env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' } });
    await waitFor(`${baseURL}/healthz`, running.child, running.log);
  }
  await start();
  return {
    baseURL,
    start,
    stop: () => stopChild(running?.child),
    async dispose() {
      await stopChild(running?.child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** pouchdb-server (npm) keeping its databases in memory. */
export async function startPouchServer({ bin }) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pouchdb-server-bench-'));
  const { child, log } = spawnLogged(bin, ['--in-memory', '--host', '127.0.0.1', '--port', String(port), '--no-stdout-logs'], { cwd: dir });
  const baseURL = `http://127.0.0.1:${port}`;
  await waitFor(`${baseURL}/`, child, log);
  return {
    baseURL,
    async dispose() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
