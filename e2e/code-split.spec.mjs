// The app's code arrives in chunks (src/screens.rs): a tablet fetches the code of the
// screens its people open, and no more. Asha, an analyst, works a whole round of the
// desk without her tablet ever fetching the supervisor's, the admin's or the kiosk's
// code; her supervisor's tablet fetches the supervisor's code when she opens Team. And a
// chunk that cannot be fetched says what to do, while the rest of the app carries on.
//
// The service worker is blocked in these tests, so every chunk is a request the test
// sees (with the worker, a tablet also keeps every chunk for offline use).
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { signIn, createCase, openCaseList } from './support/actions.mjs';
import { expectNoAccessibilityViolations, screenshotBothWays } from './support/checks.mjs';
import { staff } from './support/demo.mjs';

const carys = { email: 'carys.jones@riverside.example', name: 'Carys Jones' };

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

/** A tablet whose page requests for the app's chunks are listed as they happen. */
async function tabletListingChunks(browser) {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const fetched = [];
  page.on('request', (request) => {
    const name = new URL(request.url()).pathname.match(/\/app-[0-9a-f]+\/split_(\w+)\.wasm$/)?.[1];
    if (name) fetched.push(name);
  });
  return { context, page, fetched };
}

test("an analyst's tablet fetches the desk's code and never the supervisor's, admin's or kiosk's", async ({ browser }) => {
  const { context, page, fetched } = await tabletListingChunks(browser);
  await signIn(page, server.baseURL, staff.asha);
  await createCase(page, { patient: 'Ione Castellan', kind: 'Password reset', note: 'Cannot find the reset email' });
  await openCaseList(page);
  await page.getByRole('link', { name: 'Changes on this device' }).click();
  await expect(page.getByRole('heading', { name: 'Changes on this device', level: 1 })).toBeVisible();
  await page.getByRole('link', { name: 'This device', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'This device', exact: true, level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByText('All changes synced')).toBeVisible();

  expect(new Set(fetched)).toEqual(new Set(['locked', 'desk', 'sync_engine']));
  // Each chunk once, however often its screens open.
  expect(fetched.length).toBe(3);
  await context.close();
});

test("a supervisor's tablet fetches the supervisor's code when Team opens", async ({ browser }) => {
  const { context, page, fetched } = await tabletListingChunks(browser);
  await signIn(page, server.baseURL, carys);
  expect(fetched).not.toContain('supervisor');
  await page.getByRole('link', { name: 'Team' }).click();
  await expect(page.getByRole('heading', { name: 'Team dashboard', level: 2 })).toBeVisible();
  expect(fetched).toContain('supervisor');
  expect(fetched).not.toContain('admin');
  expect(fetched).not.toContain('kiosk');
  await context.close();
});

test('a chunk that cannot be fetched says what to do, and the rest of the app carries on', async ({ browser }) => {
  const { context, page } = await tabletListingChunks(browser);
  await page.route(/\/split_supervisor\.wasm$/, (route) => route.abort('internetdisconnected'));
  await signIn(page, server.baseURL, carys);
  await page.getByRole('link', { name: 'Team' }).click();
  await expect(page.getByRole('heading', { name: 'This screen could not be opened', level: 1 })).toBeVisible();
  await expect(page.getByRole('alert')).toHaveText(
    'Part of Portal Desk could not be loaded onto this device. Reload the page while connected to the internet; if that does not help, tell your Portal Desk administrator.',
  );
  await expectNoAccessibilityViolations(page);
  await screenshotBothWays(page, 'chunk-missing');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Cases' }).click();
  await expect(page.getByRole('heading', { name: 'Cases', level: 1 })).toBeVisible();
  await context.close();
});
