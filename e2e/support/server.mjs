// Starts a real portal-desk-server for one spec, on a free loopback port with a throwaway
// SQLite database and demo data, and lets the spec stop and restart it to cut the network.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..', '..');
const binary = process.env.PORTAL_DESK_SERVER_BIN || join(repo, 'target', 'debug', 'portal-desk-server');
const staticDir = process.env.PORTAL_DESK_STATIC_DIR || join(repo, 'dist');

function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

async function waitForHealth(baseURL, child, log) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited early:\n${log.join('')}`);
    try {
      const response = await fetch(`${baseURL}/healthz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server did not become healthy:\n${log.join('')}`);
}

/** A running server; `stop()` cuts every client off, `start()` brings it back on the same port and data. */
export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'portal-desk-e2e-'));
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  let child = null;
  const log = [];

  async function start() {
    child = spawn(
      binary,
      ['serve', '--demo', '--listen', `127.0.0.1:${port}`, '--database-url', `sqlite://${join(dir, 'e2e.db')}`, '--static-dir', staticDir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.on('data', (d) => log.push(d.toString()));
    child.stderr.on('data', (d) => log.push(d.toString()));
    await waitForHealth(baseURL, child, log);
  }

  async function stop() {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  await start();
  return {
    baseURL,
    start,
    stop,
    log: () => log.join(''),
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
