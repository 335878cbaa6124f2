// Issue 5 on a shared tablet: Asha signs in and sets a PIN; the tablet locks when she
// presses Lock and when it is left alone; a wrong PIN is counted and, past the limit,
// only her password (online) unlocks it; her PIN unlocks it with no connection; and Ben
// takes the same tablet over with his own sign-in and PIN, and hands it back.
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { staff } from './support/demo.mjs';
import { signIn, setPin, enterPin, unlockWithPin, lock, signInFromLocked } from './support/actions.mjs';
import { expectCaseListed } from './support/checks.mjs';

const ASHA_PIN = '482913';
const BEN_PIN = '730461';
const locked = (page) => page.getByRole('heading', { name: 'Portal Desk is locked', level: 1 });

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

test('a shared tablet locks, unlocks offline with each person’s PIN, and limits wrong PINs', async ({ browser }) => {
  const tablet = await browser.newContext();
  const page = await tablet.newPage();
  // A controllable clock, so leaving the tablet alone for minutes takes no real time.
  await page.clock.install();
  await signIn(page, server.baseURL, staff.asha);
  await expectCaseListed(page, 'Margaret Oakhill', { timeout: 30_000 });

  await test.step('after signing in, Asha is asked for a PIN and sets one', async () => {
    await expect(page.getByText('You have no PIN on this device yet')).toBeVisible();
    await page.getByRole('link', { name: 'Set a PIN' }).click();
    await page.getByLabel('New PIN', { exact: true }).fill('1234');
    await page.getByLabel('New PIN again').fill('1234');
    await page.getByRole('button', { name: 'Set PIN' }).click();
    await expect(page.getByRole('link', { name: 'A PIN must be at least 6 numbers' })).toBeVisible();
    await page.getByLabel('New PIN', { exact: true }).fill(ASHA_PIN);
    await page.getByLabel('New PIN again').fill(ASHA_PIN);
    await page.getByRole('button', { name: 'Set PIN' }).click();
    await expect(page.getByRole('heading', { name: 'Cases', level: 1 })).toBeVisible();
    await expect(page.getByText('You have no PIN on this device yet')).toBeHidden();
  });

  await test.step('Lock hides everything; a wrong PIN says how many tries are left', async () => {
    await lock(page);
    await expect(page.getByText('Margaret Oakhill')).toHaveCount(0);
    await enterPin(page, staff.asha, '000000');
    await expect(page.getByRole('link', { name: /The PIN is not right. You have 4 more tries/ })).toBeVisible();
    await page.screenshot({ path: 'screenshots/unlock-wrong-pin.png', fullPage: true });
    await unlockWithPin(page, staff.asha, ASHA_PIN);
    await expectCaseListed(page, 'Margaret Oakhill');
  });

  await test.step('left alone for the idle time set on This device, the tablet locks itself', async () => {
    await page.getByRole('link', { name: 'This device', exact: true }).click();
    await page.getByLabel('Lock after this long without use').selectOption({ label: '2 minutes' });
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByText('Saved: this device locks after 2 minutes without use.')).toBeVisible();
    await page.clock.fastForward('01:00');
    await expect(locked(page)).toBeHidden();
    await page.clock.fastForward('01:30');
    await expect(locked(page)).toBeVisible();
  });

  await test.step('with no connection, Asha’s PIN unlocks the tablet and her cases are there', async () => {
    await tablet.setOffline(true);
    await unlockWithPin(page, staff.asha, ASHA_PIN);
    await expect(page.getByText('Offline', { exact: true })).toBeVisible();
    await page.getByRole('link', { name: 'Cases' }).first().click();
    await expectCaseListed(page, 'Margaret Oakhill');
    await tablet.setOffline(false);
  });

  await test.step('Ben takes over the tablet with his own sign-in and PIN', async () => {
    await lock(page);
    await signInFromLocked(page, staff.ben);
    await expect(page.getByText(`Signed in as ${staff.ben.name}`)).toBeVisible();
    await setPin(page, BEN_PIN);
    await lock(page);
    const who = page.getByLabel('Who are you?');
    await expect(who.getByRole('option')).toHaveText(['Choose your name', staff.asha.name, staff.ben.name]);
    await enterPin(page, staff.ben, ASHA_PIN);
    await expect(page.getByRole('link', { name: /The PIN is not right/ })).toBeVisible();
    await unlockWithPin(page, staff.ben, BEN_PIN);
    await lock(page);
    await unlockWithPin(page, staff.asha, ASHA_PIN);
  });

  await test.step('five wrong PINs lock Asha’s PIN until she signs in with her password', async () => {
    await lock(page);
    for (const left of ['4 more tries', '3 more tries', '2 more tries', '1 more try']) {
      await enterPin(page, staff.asha, '999999');
      await expect(page.getByRole('link', { name: new RegExp(`You have ${left}`) })).toBeVisible();
    }
    await enterPin(page, staff.asha, '999999');
    await expect(page.getByRole('link', { name: /Too many wrong PINs/ })).toBeVisible();
    await enterPin(page, staff.asha, ASHA_PIN);
    await expect(page.getByRole('link', { name: /Too many wrong PINs/ })).toBeVisible();
    await signInFromLocked(page, staff.asha);
    await expect(page.getByText(`Signed in as ${staff.asha.name}`)).toBeVisible();
    await setPin(page, '551902');
    await lock(page);
    await unlockWithPin(page, staff.asha, '551902');
  });

  await tablet.close();
});
