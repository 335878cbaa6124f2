// Issue 8: installed once, Portal Desk starts with no connection at all. Asha opens the
// app online one morning; later, with the network gone and the server down, a new
// window (and a deep link) still opens the app, signed in, with her clinic's cases.
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { staff } from './support/demo.mjs';
import { signIn, waitForOfflineReady, setPin, unlockWithPin } from './support/actions.mjs';
import { expectAllSynced, expectCaseListed } from './support/checks.mjs';

let server;
const PIN = '482913';
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

test('after one visit online, the app opens offline in a new window with the signed-in person and their cases', async ({
  browser,
}) => {
  const tablet = await browser.newContext();
  const first = await tablet.newPage();
  await signIn(first, server.baseURL, staff.asha);
  // The cases are sealed at rest; a new window opens locked and her PIN opens it offline.
  await setPin(first, PIN);
  await waitForOfflineReady(first);
  await expectAllSynced(first);
  await expectCaseListed(first, 'Margaret Oakhill');
  await first.close();

  await server.stop();
  await tablet.setOffline(true);

  const later = await tablet.newPage();
  await later.goto(`${server.baseURL}/`);
  await unlockWithPin(later, staff.asha, PIN);
  await expect(later.getByRole('heading', { name: 'Cases', level: 1 })).toBeVisible();
  await expect(later.getByText(`Signed in as ${staff.asha.name}`)).toBeVisible();
  await expect(later.getByText('Offline', { exact: true })).toBeVisible();
  await expectCaseListed(later, 'Margaret Oakhill');
  await later.screenshot({ path: 'screenshots/offline-first-load.png', fullPage: true });

  // The worker keeps the app, never patient data: offline, the API is simply out of reach.
  const api = await later.evaluate(() =>
    fetch('/api/v1/pull?cursor=0&limit=1').then((r) => `answered ${r.status}`, () => 'unreachable'),
  );
  expect(api).toBe('unreachable');

  // A deep link opens too: every route is the same cached shell.
  await later.goto(`${server.baseURL}/changes`);
  await unlockWithPin(later, staff.asha, PIN);
  await expect(later.getByRole('heading', { name: 'Changes on this device', level: 1 })).toBeVisible();
  await tablet.close();
});
