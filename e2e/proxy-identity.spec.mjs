// Proxy access and identity verification, as Asha's afternoon: Priya Fernhollow's mother
// asks for proxy access, and the rules engine checks each answer against Priya's age —
// the wrong legal route and a review date past her 11th birthday are refused with what to
// do instead. Then a patient's identity is verified, and the page shows the evidence, who
// checked it and the level the rules give it.
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { staff } from './support/demo.mjs';
import { signIn, createCase, openCase, startChecklist, checklistStep } from './support/actions.mjs';
import { expectSaved, expectNoAccessibilityViolations, screenshotBothWays } from './support/checks.mjs';

/** A date `years` years and `months` months before today, as YYYY-MM-DD. */
function yearsAgo(years, months = 0) {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCFullYear(d.getUTCFullYear() - years, d.getUTCMonth() - months, 15);
  return d.toISOString().slice(0, 10);
}

/** The same day `years` later. */
function plusYears(date, years) {
  return `${Number(date.slice(0, 4)) + years}${date.slice(4)}`;
}

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

test('a proxy request follows the age rules, and identity evidence gives a level', async ({ browser }) => {
  const tablet = await browser.newContext();
  const asha = await tablet.newPage();
  await signIn(asha, server.baseURL, staff.asha);
  const born = yearsAgo(9, 2);

  await test.step('the proxy checklist asks for the date of birth before the legal route', async () => {
    await openCase(asha, 'Priya Fernhollow');
    await startChecklist(asha);
    const rules = asha.getByRole('region', { name: 'Proxy access rules' });
    await expect(rules).toContainText("Record the patient's date of birth first");
    await expect(checklistStep(asha, /Legal route for the patient's age/)).toContainText(
      "Locked: do these first: Patient's date of birth.",
    );
    await asha.getByLabel(/^Patient's date of birth/).fill(yearsAgo(-1));
    await asha.getByRole('button', { name: "Save: Patient's date of birth" }).click();
    await expect(checklistStep(asha, /Patient's date of birth/).getByText(/future/)).toBeVisible();
    await asha.getByLabel(/^Patient's date of birth/).fill(born);
    await asha.getByRole('button', { name: "Save: Patient's date of birth" }).click();
    await expectSaved(asha, "“Patient's date of birth” saved");
    await expect(rules).toContainText('The patient is 9 (Under 11).');
    await expect(rules).toContainText('Legal routes that apply: Parental responsibility.');
  });

  await test.step('a legal route the age does not allow is refused with the one that applies', async () => {
    const route = asha.getByLabel(/^Legal route for the patient's age/);
    await route.selectOption({ label: "Patient's consent" });
    await asha.getByRole('button', { name: "Save: Legal route for the patient's age" }).click();
    const summary = asha.getByRole('alert').filter({ hasText: 'There is a problem' });
    await expect(summary).toContainText("Patient's consent does not apply to a patient aged 9 (Under 11); use: Parental responsibility");
    await summary.getByRole('link').click();
    await expect(route).toBeFocused();
    await expectNoAccessibilityViolations(asha);
    await route.selectOption({ label: 'Parental responsibility' });
    await asha.getByRole('button', { name: "Save: Legal route for the patient's age" }).click();
    await expectSaved(asha, "“Legal route for the patient's age” saved");
    await expect(asha.getByRole('region', { name: 'Proxy access rules' })).toContainText('Recorded route: Parental responsibility.');
  });

  await test.step('the review date may not pass the 11th birthday', async () => {
    const eleventh = plusYears(born, 11);
    await asha.getByLabel(/^Review date/).fill(plusYears(born, 12));
    await asha.getByRole('button', { name: 'Save: Review date' }).click();
    await expect(checklistStep(asha, /Review date/)).toContainText(`Set the review on or before ${eleventh}`);
    await asha.getByLabel(/^Review date/).fill(eleventh);
    await asha.getByRole('button', { name: 'Save: Review date' }).click();
    await expectSaved(asha, '“Review date” saved');
    await expect(checklistStep(asha, /Access granted/)).toContainText('Locked: do these first:');
    await expectNoAccessibilityViolations(asha);
    await screenshotBothWays(asha, 'proxy-access');
  });

  await test.step('identity evidence is recorded with who checked it, and the level follows', async () => {
    await asha.getByRole('link', { name: 'Back to cases' }).click();
    await createCase(asha, { patient: 'Kofi Mensah', kind: 'Identity verification' });
    const level = asha.getByRole('region', { name: 'Identity level' });
    await expect(level).toContainText('No level yet');
    await expect(checklistStep(asha, /Verified by/)).toContainText('Locked: do these first: Photo ID seen');
    await asha.getByLabel(/^Photo ID seen/).selectOption({ label: 'Passport' });
    await asha.getByRole('button', { name: 'Save: Photo ID seen' }).click();
    await expectSaved(asha, '“Photo ID seen” saved');
    for (const step of ['Date of birth confirmed', 'NHS number matched', 'Address confirmed']) {
      await asha.getByRole('button', { name: `Mark as done: ${step}` }).click();
      await expectSaved(asha, `“${step}” saved`);
    }
    await asha.getByRole('button', { name: 'Confirm in my name: Verified by' }).click();
    await expectSaved(asha, '“Verified by” saved');
    await expect(checklistStep(asha, /Verified by/)).toContainText(`Confirmed by ${staff.asha.name} (you)`);
    await expect(level).toContainText('Level reached:');
    await expect(level.getByRole('listitem')).toContainText([
      `Name matched — ${staff.asha.name} (you)`,
      `Photo ID seen — ${staff.asha.name} (you)`,
      `Date of birth matched — ${staff.asha.name} (you)`,
      `NHS number matched — ${staff.asha.name} (you)`,
    ]);
    await expectNoAccessibilityViolations(asha);
    await screenshotBothWays(asha, 'identity-verification');
  });

  await tablet.close();
});
