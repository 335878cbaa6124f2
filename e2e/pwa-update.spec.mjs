// Issue 8: a new version of Portal Desk is deployed while a tablet holds changes it has
// not synced. The tablet hears of the new build, says "An update is ready" and waits —
// a half-typed note stays where it is — until Asha presses the button; then it reloads
// into the new build, the waiting change is still there, and it syncs once.
import { test, expect } from '@playwright/test';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { staff } from './support/demo.mjs';
import { signIn, waitForOfflineReady, createCase, openCaseList, setPin, unlockWithPin } from './support/actions.mjs';
import { expectWaitingChanges, expectAllSynced, expectCaseListed } from './support/checks.mjs';

const PATIENT = 'Tomasz Nowak';
const NOTE = 'Wants proxy access for his father; consent form posted.';

// The server serves a copy of the built app from a folder of the spec's own, so the spec
// can "deploy" a new build into it while the server runs (it reads files per request).
// support/server.mjs reads PORTAL_DESK_STATIC_DIR when it is loaded, and other specs in
// this worker may have loaded it already, so a copy of the module of this spec's own is
// loaded (the query makes it a distinct module) and the variable is put back after.
const PIN = '482913';
const built = resolve(process.env.PORTAL_DESK_STATIC_DIR || join(import.meta.dirname, '..', 'dist'));
const site = mkdtempSync(join(tmpdir(), 'portal-desk-site-'));
cpSync(built, site, { recursive: true });
const { startServer } = await withStaticDir(site, () => import('./support/server.mjs?deployable'));

async function withStaticDir(dir, load) {
  const before = process.env.PORTAL_DESK_STATIC_DIR;
  process.env.PORTAL_DESK_STATIC_DIR = dir;
  try {
    return await load();
  } finally {
    if (before === undefined) delete process.env.PORTAL_DESK_STATIC_DIR;
    else process.env.PORTAL_DESK_STATIC_DIR = before;
  }
}

/** Deploys "version 2": a service worker with a new build id, and a page that says which build it is. */
async function deployNewBuild() {
  const worker = join(site, 'sw.js');
  const source = readFileSync(worker, 'utf8');
  const next = source.replace(/const BUILD = "([^"]*)";/, 'const BUILD = "$1-v2";');
  expect(next, 'the built worker names its build').not.toBe(source);
  writeFileSync(worker, next);
  const page = join(site, 'index.html');
  writeFileSync(page, readFileSync(page, 'utf8').replace('<head>', '<head><meta name="portal-desk-build" content="v2">'));
  const served = await (await fetch(`${server.baseURL}/sw.js`)).text();
  expect(served, 'the server serves the new build').toContain('-v2";');
}

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
  rmSync(site, { recursive: true, force: true });
});

test('an update waits for the person, and the outbox survives it and then syncs once', async ({ browser }) => {
  const tablet = await browser.newContext();
  const page = await tablet.newPage();
  await signIn(page, server.baseURL, staff.asha);
  // The new build starts locked (keys live only in memory); she unlocks with her PIN.
  await setPin(page, PIN);
  await waitForOfflineReady(page);

  await test.step('with the server out of reach, Asha records a case', async () => {
    // The sync API fails as if the network were down; the app's own files still load.
    await tablet.route('**/api/**', (route) => route.abort('internetdisconnected'));
    await createCase(page, { patient: PATIENT, kind: 'Proxy access request', note: NOTE });
    await expectWaitingChanges(page, 4);
  });

  await test.step('a new build is deployed; the tablet says so and waits while she types', async () => {
    await deployNewBuild();
    await page.getByLabel('Add a note').fill('Half-typed: called back at');
    // The browser checks for a new worker on its own now and then; ask it now.
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
    const banner = page.getByRole('region', { name: 'An update is ready' });
    await expect(banner).toBeVisible();
    await page.screenshot({ path: 'screenshots/update-ready.png', fullPage: true });
    // Nothing reloads by itself: the half-typed note is still there a moment later.
    await page.waitForTimeout(1_000);
    await expect(page.getByLabel('Add a note')).toHaveValue('Half-typed: called back at');
    await expect(page.locator('meta[name="portal-desk-build"]')).toHaveCount(0);
  });

  await test.step('she agrees; the new build takes over and the change is still waiting', async () => {
    await page.getByRole('button', { name: 'Update Portal Desk now' }).click();
    await expect(page.locator('meta[name="portal-desk-build"]')).toHaveAttribute('content', 'v2');
    await expect(page.getByRole('region', { name: 'An update is ready' })).toHaveCount(0);
    await unlockWithPin(page, staff.asha, PIN);
    await expectWaitingChanges(page, 4);
    await page.getByRole('link', { name: 'Changes on this device' }).click();
    // The case, its checklist and the note, each linked by the patient's name.
    await expect(page.getByRole('link', { name: PATIENT })).toHaveCount(3);
  });

  await test.step('the server is reachable again: the change syncs, once', async () => {
    await tablet.unroute('**/api/**');
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expectAllSynced(page);
    await openCaseList(page);

    const benTablet = await browser.newContext();
    const ben = await benTablet.newPage();
    await signIn(ben, server.baseURL, staff.ben);
    await expectCaseListed(ben, PATIENT, { timeout: 30_000 });
    await expect(ben.getByRole('link', { name: new RegExp(PATIENT) })).toHaveCount(1);
    await ben.getByRole('link', { name: new RegExp(PATIENT) }).click();
    await expect(ben.getByText(NOTE)).toHaveCount(1);
    await benTablet.close();
  });

  await tablet.close();
});
