// Issue 5: a tablet closed in the middle of a sync loses nothing and sends nothing twice.
// Asha makes a case offline; when the connection returns the push reaches the server and
// is applied, but the tablet is shut before the answer arrives. Reopened on the same
// browser profile, it still holds the changes, sends them again, and the server answers
// from what it recorded: her colleague Ben sees one case with one note, not two.
import { test, expect, chromium } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './support/server.mjs';
import { staff } from './support/demo.mjs';
import { signIn, waitForOfflineReady, createCase, setPin, unlockWithPin } from './support/actions.mjs';
import { expectWaitingChanges, expectAllSynced, expectCaseListed } from './support/checks.mjs';
import config from './playwright.config.mjs';

const PATIENT = 'Priya Shah';
const NOTE = 'Asked for the reset link to be sent by text, not email.';

let server;
let profile;
const PIN = '482913';
test.beforeAll(async () => {
  server = await startServer();
  profile = mkdtempSync(join(tmpdir(), 'portal-desk-tablet-'));
});
test.afterAll(async () => {
  await server?.dispose();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** The tablet: a browser on a profile directory that outlives it, as a real one does. */
async function openTablet() {
  const { executablePath, args } = config.use.launchOptions;
  const tablet = await chromium.launchPersistentContext(profile, {
    executablePath,
    args,
    viewport: config.use.viewport,
  });
  const page = tablet.pages()[0] ?? (await tablet.newPage());
  return { tablet, page };
}

test('a tablet closed while its push is in flight sends the change again and it arrives once', async ({ browser }) => {
  let { tablet, page } = await openTablet();
  await signIn(page, server.baseURL, staff.asha);
  // The tablet's data is sealed at rest; after the restart she unlocks it with her PIN.
  await setPin(page, PIN);
  await waitForOfflineReady(page);

  await test.step('offline, Asha records a case with a note', async () => {
    await tablet.setOffline(true);
    await expect(page.getByText('Offline', { exact: true })).toBeVisible();
    await createCase(page, { patient: PATIENT, kind: 'Password reset', note: NOTE });
    await expectWaitingChanges(page, 4);
  });

  const firstPush = await test.step('back online, the push is applied but the tablet shuts before the answer', async () => {
    let sent;
    const applied = new Promise((resolve) => {
      sent = resolve;
    });
    await tablet.route('**/api/v1/push', async (route) => {
      // The request goes on to the server, which applies it and answers; the answer is
      // held here, and the tablet is closed before it is handed over.
      const response = await route.fetch();
      sent({ status: response.status(), body: route.request().postDataJSON(), answer: await response.json() });
      await new Promise(() => {});
    });
    await tablet.setOffline(false);
    const push = await applied;
    expect(push.status).toBe(200);
    // The patient, the case, its checklist and the note.
    expect(push.body.ops).toHaveLength(4);
    expect(push.answer.applied_through).toBe(push.body.ops[3].seq);
    await tablet.close();
    return push;
  });

  await test.step('reopened on the same profile, the changes are still there and are sent again', async () => {
    ({ tablet, page } = await openTablet());
    const resent = [];
    await tablet.route('**/api/v1/push', async (route) => {
      resent.push(route.request().postDataJSON());
      await route.continue();
    });
    await page.goto(`${server.baseURL}/`);
    await unlockWithPin(page, staff.asha, PIN);
    await expect(page.getByRole('heading', { name: 'Cases', level: 1 })).toBeVisible();
    await expectAllSynced(page);
    const ids = resent.flatMap((push) => push.ops.map((op) => op.id));
    expect(ids, 'the same operations, by id, were sent again').toEqual(firstPush.body.ops.map((op) => op.id));
    await page.getByRole('link', { name: 'Changes on this device' }).click();
    await expect(page.getByText('Nothing is waiting')).toBeVisible();
    await tablet.close();
  });

  await test.step('a colleague sees one case with one note', async () => {
    const benTablet = await browser.newContext();
    const ben = await benTablet.newPage();
    await signIn(ben, server.baseURL, staff.ben);
    await expectCaseListed(ben, PATIENT, { timeout: 30_000 });
    await expect(ben.getByRole('link', { name: new RegExp(PATIENT) })).toHaveCount(1);
    await ben.getByRole('link', { name: new RegExp(PATIENT) }).click();
    await expect(ben.getByRole('heading', { name: PATIENT, level: 1 })).toBeVisible();
    await expect(ben.getByText(NOTE)).toHaveCount(1);
    await benTablet.close();
  });
});
