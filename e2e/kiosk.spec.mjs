// Issue 8, the kiosk: Ben hands his tablet to patients at Riverside Clinic. Each patient
// registers in their own language (English, Welsh, Polish), sees what happens next, and
// the form is empty for the next person; Ben leaves kiosk mode with his PIN and finds
// the registration in the queue with the identity checklist ready and, for someone the
// clinic already knows, the possible duplicate named.
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { staff } from './support/demo.mjs';
import { signIn, setPin, openCase } from './support/actions.mjs';
import { expectAllSynced, expectNoAccessibilityViolations, expectTimeline, screenshotBothWays } from './support/checks.mjs';
import { WORDS, startKiosk, chooseLanguage, register, leaveKiosk } from './support/kiosk.mjs';

const PIN = '270418';
const GWEN = { given: 'Gwen', family: 'Pritchard', born: ['3', '7', '1961'], postcode: 'cf10 1ep', contact: '07700 900123', largePrint: true };

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

for (const [language, patient, spoken] of [
  ['English', GWEN, 'English'],
  ['Cymraeg', { given: 'Dafydd', family: 'Rhys', born: ['14', '2', '1978'], postcode: 'LL55 4UR', contact: 'dafydd@example.org' }, 'Welsh'],
  ['Polski', { ...GWEN, contact: 'gwen@example.org' }, 'Polish'],
]) {
  test(`a patient registers in ${spoken}, and staff find the registration ready to verify`, async ({ browser }) => {
    const tablet = await browser.newContext();
    const page = await tablet.newPage();
    await signIn(page, server.baseURL, staff.ben);
    await setPin(page, PIN);
    await expectAllSynced(page);
    await startKiosk(page);

    await test.step(`the form speaks ${spoken}, and says what is missing`, async () => {
      await chooseLanguage(page, language);
      await expect(page.getByRole('link', { name: 'Cases' })).toHaveCount(0);
      await page.getByRole('button', { name: WORDS[language].send }).click();
      await expect(page.getByRole('alert').getByRole('heading', { name: WORDS[language].problem })).toBeVisible();
      await expect(page.getByLabel(WORDS[language].given, { exact: true })).toBeFocused();
      await expectNoAccessibilityViolations(page);
      await screenshotBothWays(page, `kiosk-${spoken.toLowerCase()}-problems`);
    });

    await test.step('the patient sends their details and is told what happens next', async () => {
      await register(page, language, patient);
      await expectNoAccessibilityViolations(page);
      await screenshotBothWays(page, `kiosk-${spoken.toLowerCase()}-thanks`);
      await page.getByRole('button', { name: WORDS[language].finish }).click();
      // The next patient finds an empty form: nothing of the last one is left.
      await expect(page.getByLabel(WORDS[language].given, { exact: true })).toHaveValue('');
      await expect(page.getByLabel(WORDS[language].family, { exact: true })).toHaveValue('');
    });

    await test.step('Ben leaves kiosk mode with his PIN and finds the registration', async () => {
      await leaveKiosk(page, staff.ben, PIN);
      await expectAllSynced(page);
      const name = `${patient.given} ${patient.family}`;
      // Newest first: Gwen's second registration is due later than her first whenever the
      // clinic is open, so the default order by due time would list the first one above it.
      await page.getByLabel('Sort by').selectOption({ label: 'Newest first' });
      await openCase(page, name);
      await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
      await expect(page.getByRole('heading', { name: 'Checklist: Verify identity to P9' })).toBeVisible();
      await expectTimeline(page, [new RegExp(`Registered themselves at the kiosk, in ${spoken}`)]);
      if (spoken === 'Polish') {
        // Gwen registered in English earlier: the second registration names her.
        await expectTimeline(page, [/Possible duplicates on this tablet.*Gwen Pritchard/]);
      }
    });

    if (spoken === 'English') {
      await test.step('Asha, on her own tablet, finds the registration after syncing', async () => {
        const colleague = await browser.newContext();
        const other = await colleague.newPage();
        await signIn(other, server.baseURL, staff.asha);
        const name = `${patient.given} ${patient.family}`;
        await expect(other.getByRole('link', { name: new RegExp(name) }).first()).toBeVisible({ timeout: 30_000 });
        await openCase(other, name);
        await expect(other.getByRole('heading', { name: 'Checklist: Verify identity to P9' })).toBeVisible();
        await expectTimeline(other, [/Registered themselves at the kiosk, in English/]);
        await colleague.close();
      });
    }
    await tablet.close();
  });
}
