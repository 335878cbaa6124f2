// Issue 8: a patient at the kiosk tries to get out of it — the back button, an address
// typed or edited, a reload, keyboard shortcuts — and never sees anything but the
// registration form (or the staff unlock screen); a wrong PIN does not let them out.
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { staff } from './support/demo.mjs';
import { signIn, setPin, openCase, openCaseList } from './support/actions.mjs';
import { expectNoAccessibilityViolations, screenshotBothWays } from './support/checks.mjs';
import { WORDS, startKiosk, staffPin, leaveKiosk, register } from './support/kiosk.mjs';

const PIN = '918273';
const kioskForm = (page) => page.getByRole('heading', { name: WORDS.English.heading, level: 1 });
const kioskLocked = (page) => page.getByRole('heading', { name: 'This tablet is a registration kiosk', level: 1 });

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

/** Nothing of the staff screens or of any case is on the page. */
async function expectNothingElse(page) {
  await expect(page.getByText('Margaret Oakhill')).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Cases', level: 1 })).toHaveCount(0);
  await expect(page.getByRole('navigation')).toHaveCount(0);
}

test('nothing but the kiosk is reachable until a member of staff enters their PIN', async ({ browser }) => {
  const tablet = await browser.newContext();
  const page = await tablet.newPage();
  await signIn(page, server.baseURL, staff.asha);
  await expect(page.getByText('Margaret Oakhill').first()).toBeVisible({ timeout: 30_000 });
  await setPin(page, PIN);
  // The address of a real case, to type in once the tablet is a kiosk.
  await openCase(page, 'Margaret Oakhill');
  await expect(page.getByRole('heading', { name: 'Margaret Oakhill', level: 1 })).toBeVisible();
  const casePath = new URL(page.url()).pathname;
  await openCaseList(page);
  await startKiosk(page);
  await page.getByLabel(WORDS.English.given, { exact: true }).fill('Half typed');

  await test.step('the back button and keyboard shortcuts stay in the kiosk', async () => {
    await page.goBack().catch(() => {});
    await expect(kioskForm(page).or(kioskLocked(page))).toBeVisible();
    await expectNothingElse(page);
    for (const key of ['Escape', 'Alt+ArrowLeft', 'Alt+Home', 'Control+r', 'F5', 'Backspace']) {
      await page.keyboard.press(key).catch(() => {});
      await expect(kioskForm(page).or(kioskLocked(page))).toBeVisible();
      await expectNothingElse(page);
    }
  });

  await test.step('a typed address or a reload shows the locked kiosk, and the half-typed form is gone', async () => {
    for (const path of ['/', casePath, '/cases/new', '/changes', '/supervisor', '/device']) {
      await page.goto(`${server.baseURL}${path}`);
      await expect(kioskLocked(page)).toBeVisible();
      await expectNothingElse(page);
    }
    await page.reload();
    await expect(kioskLocked(page)).toBeVisible();
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'kiosk-locked');
    await staffPin(page, staff.asha, PIN, 'Unlock kiosk');
    await expect(kioskForm(page)).toBeVisible();
    await expect(page.getByLabel(WORDS.English.given, { exact: true })).toHaveValue('');
    await expectNothingElse(page);
  });

  await test.step('a wrong PIN does not leave the kiosk; the right one does', async () => {
    await page.getByRole('button', { name: 'Staff: leave kiosk' }).click();
    await staffPin(page, staff.asha, '000000', 'Leave kiosk');
    await expect(page.getByText(/The PIN is not right/).first()).toBeVisible();
    await expectNothingElse(page);
    await page.getByRole('button', { name: 'Back to the form' }).click();
    await expect(kioskForm(page)).toBeVisible();
    await leaveKiosk(page, staff.asha, PIN);
    await expect(page.getByText('Margaret Oakhill').first()).toBeVisible();
  });
  await tablet.close();
});

test('left alone, the kiosk stays unlocked and starts over for the next patient', async ({ browser }) => {
  const tablet = await browser.newContext();
  const page = await tablet.newPage();
  // A controllable clock, so minutes without a touch take no real time.
  await page.clock.install();
  await signIn(page, server.baseURL, staff.ben);
  await setPin(page, PIN);
  await startKiosk(page);

  await test.step('past the idle lock time, a half-filled form is wiped but the kiosk is not locked', async () => {
    await page.getByLabel(WORDS.English.given, { exact: true }).fill('Left behind');
    await page.clock.fastForward('06:00');
    await expect(page.getByLabel(WORDS.English.given, { exact: true })).toHaveValue('');
    await expect(kioskForm(page)).toBeVisible();
    await expect(kioskLocked(page)).toHaveCount(0);
  });

  await test.step('the thank-you gives way to an empty form on its own', async () => {
    await register(page, 'English', { given: 'Nia', family: 'Evans', born: ['9', '9', '1990'], postcode: 'CF10 1EP', contact: 'nia@example.org' });
    await page.clock.fastForward('00:40');
    await expect(kioskForm(page)).toBeVisible();
    await expect(page.getByLabel(WORDS.English.given, { exact: true })).toHaveValue('');
  });
  await tablet.close();
});
