// Issue 6's new-case flow as Ben's afternoon on the Riverside helpdesk: a caller's NHS
// number is mistyped and the form says so as he types; he fixes it and records the case,
// whose checklist attaches itself. When the same patient's daughter rings later, the
// form shows the existing record as a possible duplicate, with the reason, and Ben uses
// it instead of making another. Every screen passes axe's WCAG 2.2 AA rules.
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { staff } from './support/demo.mjs';
import { signIn, setPin, fillDateOfBirth, openCaseList } from './support/actions.mjs';
import { expectNoAccessibilityViolations, screenshotBothWays, caseRow } from './support/checks.mjs';

const BEN_PIN = '739164';

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

test('Ben records a case: NHS number checked as typed, checklist attached, duplicate flagged', async ({ page }) => {
  await signIn(page, server.baseURL, staff.ben);
  await setPin(page, BEN_PIN);
  const nhsNumber = page.getByLabel('NHS number (optional)');

  await test.step('saving an empty form lists every problem, each linked to its field', async () => {
    await page.getByRole('link', { name: 'New case' }).click();
    await expect(page.getByRole('heading', { name: 'New case', level: 1 })).toBeVisible();
    await expectNoAccessibilityViolations(page);
    await page.getByRole('button', { name: 'Save case' }).click();
    const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
    await expect(summary.getByRole('link')).toHaveText([
      "Enter the patient's name",
      "Enter the patient's date of birth",
      'Choose the kind of case',
    ]);
    await summary.getByRole('link', { name: "Enter the patient's date of birth" }).click();
    await expect(page.getByRole('group', { name: 'Date of birth' }).getByLabel('Day')).toBeFocused();
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'new-case-errors');
  });

  await test.step('each problem clears as soon as its field is put right', async () => {
    const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
    await page.getByLabel('Kind of case').selectOption({ label: 'Password reset' });
    await expect(page.getByText(/The “.+” checklist \(\d+ steps\) will be attached to the case\./)).toBeVisible();
    await expect(summary.getByRole('link')).toHaveText(["Enter the patient's name", "Enter the patient's date of birth"]);
    await page.getByLabel('Patient name').fill('Gwen Ashdown');
    await expect(summary.getByRole('link')).toHaveText(["Enter the patient's date of birth"]);
    await fillDateOfBirth(page, ['4', '11', '1958']);
    await expect(summary).toHaveCount(0);
    await expect(page.getByText("Enter the patient's date of birth")).toHaveCount(0);
  });

  await test.step('a mistyped NHS number is caught as it is typed, and the fix is confirmed', async () => {
    // Two digits swapped: the check digit no longer matches.
    await nhsNumber.fill('485 777 3547');
    const problem = page.getByText('This is not a valid NHS number (the last digit does not match the others)');
    await expect(problem).toBeVisible();
    await expect(nhsNumber).toHaveAccessibleDescription(/last digit does not match/);
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'new-case-nhs-number-error');
    await nhsNumber.fill('485 777 3457');
    await expect(problem).toHaveCount(0);
    await expect(page.getByText('Valid NHS number: 485 777 3457')).toBeVisible();
  });

  await test.step('a test number (999…) is not saved until Ben confirms it is the one to record', async () => {
    await nhsNumber.fill('999 123 4578');
    await expect(page.getByText(/This is a test NHS number/)).toBeVisible();
    await page.getByRole('button', { name: 'Save case' }).click();
    const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
    await expect(summary).toContainText('No real patient has this NHS number');
    const confirm = page.getByLabel(/Use this number anyway/);
    await expect(confirm).toHaveAccessibleDescription(/No real patient has this NHS number/);
    await expectNoAccessibilityViolations(page);
    await confirm.check();
    await expect(page.getByText(/No real patient has this NHS number/)).toHaveCount(0);
    // Not this time: Ben corrects it to the patient's real number.
    await nhsNumber.fill('485 777 3457');
    await expect(confirm).toHaveCount(0);
  });

  await test.step('the case, its patient and its checklist are saved together on the device', async () => {
    await page.getByLabel('Channel').selectOption({ label: 'Phone' });
    await page.getByLabel('Note (optional)').fill('Locked out after a new phone; rang from home.');
    await page.getByRole('button', { name: 'Save case' }).click();
    await expect(page.getByText('Saved on this device').first()).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Gwen Ashdown', level: 1 })).toBeVisible();
    // The checklist for password resets is already running: nobody has to start it.
    const checklist = page.getByRole('region', { name: /^Checklist: / });
    await expect(checklist.getByText(/^0 of \d+ required steps done\./)).toBeVisible();
    await expect(page.getByRole('button', { name: 'Start checklist' })).toHaveCount(0);
    await openCaseList(page);
    await expect(caseRow(page, 'Gwen Ashdown')).toBeVisible();
  });

  await test.step('the same patient again: the existing record is shown as a duplicate, with the reason', async () => {
    await page.getByRole('link', { name: 'New case' }).click();
    await page.getByLabel('Kind of case').selectOption({ label: 'Proxy access request' });
    await page.getByLabel('Patient name').fill('Gwendolyn Ashdown');
    await nhsNumber.fill('4857773457');
    const duplicates = page.getByRole('region', { name: 'Possible duplicate patients' });
    await expect(duplicates).toBeVisible();
    await expect(duplicates.getByText('Gwen Ashdown', { exact: true })).toBeVisible();
    await expect(duplicates.getByText('Born 4 Nov 1958 · NHS number 485 777 3457')).toBeVisible();
    await expect(duplicates.getByRole('list', { name: 'Why it may match' })).toContainText('Same NHS number');
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'new-case-duplicate');

    await duplicates.getByRole('button', { name: 'Use this patient: Gwen Ashdown' }).click();
    await expect(page.getByText('This case will use the existing record for Gwen Ashdown, born 4 Nov 1958.')).toBeVisible();
    await expect(page.getByLabel('Patient name')).toHaveValue('Gwen Ashdown');
    await expect(page.getByRole('group', { name: 'Date of birth' }).getByLabel('Year')).toHaveValue('1958');
    await expect(duplicates).toHaveCount(0);
  });

  await test.step('someone asking for the patient must be named, with their relationship', async () => {
    await page.getByLabel('Who is asking').selectOption({ label: 'Relative' });
    await page.getByRole('button', { name: 'Save case' }).click();
    const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
    await expect(summary.getByRole('link')).toHaveText([
      'Enter the name of the person asking',
      'Enter how the person asking is related to the patient',
    ]);
    await page.getByLabel('Name of the person asking').fill('Cerys Ashdown');
    await page.getByLabel('Relationship to the patient').fill('Daughter');
    await page.getByLabel('Channel').selectOption({ label: 'Email' });
    await expectNoAccessibilityViolations(page);
    await page.getByRole('button', { name: 'Save case' }).click();
    await expect(page.getByRole('heading', { name: 'Gwen Ashdown', level: 1 })).toBeVisible();
    await expect(page.getByText('Saved on this device').first()).toBeVisible();
  });
});
