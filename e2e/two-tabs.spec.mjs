// Two tabs on one tablet: when another tab's newer Portal Desk upgrades the database,
// this tab lets go of it at once (the newer one is not left loading) and asks the
// person to reload, with saved changes kept.
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { staff } from './support/demo.mjs';
import { signIn, setPin, createCase } from './support/actions.mjs';

let server;
const PIN = '482913';
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

test('a tab whose database is upgraded by a newer app in another tab lets go and asks for a reload', async ({ browser }) => {
  const tablet = await browser.newContext();
  const older = await tablet.newPage();
  await signIn(older, server.baseURL, staff.asha);
  await setPin(older, PIN);
  await createCase(older, { patient: 'Ada Lovelace', kind: 'Password reset', note: 'Locked out' });

  // The other tab stands in for a newer app: it opens the database one version up, and
  // gives up (rather than waits) if the first tab keeps its connection open.
  const newer = await tablet.newPage();
  await newer.goto(`${server.baseURL}/`);
  const upgraded = await newer.evaluate(async () => {
    const current = (await indexedDB.databases()).find((d) => d.name === 'portal-desk').version;
    return new Promise((resolve) => {
      const request = indexedDB.open('portal-desk', current + 1);
      request.onblocked = () => resolve('blocked');
      request.onsuccess = () => { request.result.close(); resolve('upgraded'); };
      request.onerror = () => resolve(String(request.error));
    });
  });
  expect(upgraded).toBe('upgraded');

  await older.bringToFront();
  const alert = older.getByRole('alert').filter({ hasText: 'Portal Desk changed in another tab' });
  await expect(alert).toBeVisible();
  await expect(alert).toContainText('Changes saved on this device are kept');
  await expect(older.getByRole('button', { name: 'Reload this tab' })).toBeVisible();
  await older.screenshot({ path: test.info().outputPath('outdated-banner.png'), fullPage: true });
  if (process.env.SHOTS_DIR) await older.screenshot({ path: `${process.env.SHOTS_DIR}/outdated-banner.png`, fullPage: true });
  await newer.close();
  await tablet.close();
});
