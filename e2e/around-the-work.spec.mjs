// The screens around the case work, as Asha and her supervisor Carys meet them: signing
// in (a mistyped password first), setting a PIN, the device's settings, the changes
// waiting on a tablet that lost its signal, and the locked screen — each checked with
// axe and photographed at tablet size. And colleagues by name: Carys assigns Asha's case
// to her by choosing her name, and both see who did what by name, not by staff id.
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { staff } from './support/demo.mjs';
import { signIn, createCase, addNote, openCase, unlockWithPin } from './support/actions.mjs';
import {
  expectAllSynced,
  expectCaseFact,
  expectNoAccessibilityViolations,
  expectSaved,
  expectTimeline,
  expectWaitingChanges,
  screenshotBothWays,
} from './support/checks.mjs';

const carys = { email: 'carys.jones@riverside.example', name: 'Carys Jones' };
const PIN = '604219';
const PATIENT = 'Wilfred Ashdown';

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

test('sign-in, PIN, device, changes and lock screens are accessible; colleagues are named', async ({ browser }) => {
  const tablet = await browser.newContext();
  const page = await tablet.newPage();

  await test.step('a mistyped password is explained on the sign-in screen', async () => {
    await page.goto(`${server.baseURL}/`);
    await expect(page.getByRole('heading', { name: 'Sign in', level: 1 })).toBeVisible();
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'sign-in');
    await page.getByLabel('Email address').fill(staff.asha.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('The email address or password is not right. Check them and try again.').first()).toBeVisible();
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'sign-in-refused');
  });

  await test.step('signed in, Asha sets her PIN', async () => {
    await signIn(page, server.baseURL, staff.asha);
    await page.getByRole('link', { name: 'Set a PIN' }).click();
    await expect(page.getByRole('heading', { name: 'Set a PIN for this device', level: 1 })).toBeVisible();
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'set-pin');
    await page.getByLabel('New PIN', { exact: true }).fill(PIN);
    await page.getByLabel('New PIN again').fill(PIN);
    await page.getByRole('button', { name: 'Set PIN' }).click();
    await expect(page.getByRole('heading', { name: 'Cases', level: 1 })).toBeVisible();
  });

  await test.step('the device screen says how it locks', async () => {
    await page.getByRole('link', { name: 'This device', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'This device', exact: true, level: 1 })).toBeVisible();
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'device');
  });

  await test.step('a case made online reaches the server', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Cases' }).click();
    await createCase(page, { patient: PATIENT, kind: 'Password reset', note: 'Locked out after three tries' });
    await expectAllSynced(page);
  });

  await test.step('offline, the changes screen lists what waits', async () => {
    await tablet.setOffline(true);
    await addNote(page, 'Rang back: no answer');
    await expectWaitingChanges(page, 1);
    await page.getByRole('link', { name: 'Changes on this device' }).click();
    await expect(page.getByRole('heading', { name: 'Changes on this device', level: 1 })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Waiting to sync' })).toBeVisible();
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'changes-waiting');
    await tablet.setOffline(false);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expectAllSynced(page);
  });

  await test.step('the locked screen', async () => {
    await page.getByRole('button', { name: 'Lock or switch user' }).click();
    await expect(page.getByRole('heading', { name: 'Portal Desk is locked', level: 1 })).toBeVisible();
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'locked');
    await unlockWithPin(page, staff.asha, PIN);
  });

  await test.step('Carys assigns the case to Asha by choosing her name', async () => {
    const desk = await browser.newContext();
    const supervisor = await desk.newPage();
    await signIn(supervisor, server.baseURL, carys);
    await openCase(supervisor, PATIENT);
    await expect(supervisor.getByRole('heading', { name: PATIENT, level: 1 })).toBeVisible();
    const assignTo = supervisor.getByLabel('Assign to a colleague');
    await expect(assignTo.getByRole('option', { name: 'Asha Patel (Analyst)' })).toHaveCount(1);
    await assignTo.selectOption({ label: 'Asha Patel (Analyst)' });
    await supervisor.getByRole('button', { name: 'Assign', exact: true }).click();
    await expectSaved(supervisor, 'Case assigned');
    await expectCaseFact(supervisor, 'Owner', 'Asha Patel');
    await expectTimeline(supervisor, [/Case opened.*Asha Patel on/, /Assigned to Asha Patel.*Carys Jones \(you\)/]);
    await expectNoAccessibilityViolations(supervisor);
    await expectAllSynced(supervisor);
    await desk.close();
  });

  await test.step('Asha sees the assignment and who made it, by name', async () => {
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expectAllSynced(page);
    await page.getByRole('link', { name: 'Back to cases' }).click();
    await openCase(page, PATIENT);
    await expectCaseFact(page, 'Owner', 'Asha Patel (you)');
    await expectTimeline(page, [/Assigned to Asha Patel \(you\).*Carys Jones on/]);
  });
  await tablet.close();
});
