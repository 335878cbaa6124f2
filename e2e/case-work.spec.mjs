// A case worked from start to finish, as Asha's morning on the helpdesk: she takes a
// password-reset call, works the checklist (a step stays locked until the one it depends
// on is done), takes the case, escalates it, waits on the patient, resolves and closes it
// — every step confirmed in words and on the timeline — and her supervisor Carys reopens
// it when the patient rings back.
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { staff } from './support/demo.mjs';
import { signIn, createCase, openCase, checklistStep } from './support/actions.mjs';
import {
  expectAllSynced,
  expectSaved,
  expectCaseFact,
  expectTimeline,
  expectNoAccessibilityViolations,
  screenshotBothWays,
} from './support/checks.mjs';

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

test('a case is worked through its checklist, escalated, paused, resolved, closed and reopened', async ({ browser }) => {
  const tablet = await browser.newContext();
  const asha = await tablet.newPage();
  await signIn(asha, server.baseURL, staff.asha);

  await test.step('a new case says who owns it and when it is due', async () => {
    await createCase(asha, { patient: 'Nia Holloway', kind: 'Password reset', note: 'Forgot her password; rang from work.' });
    await expectCaseFact(asha, 'Status', 'New');
    await expectCaseFact(asha, 'Owner', 'Nobody yet');
    await expectCaseFact(asha, 'Due', /^On track: due by /);
    // The kind's checklist attached itself when the case was saved.
    await expect(asha.getByRole('button', { name: 'Start checklist' })).toHaveCount(0);
    await expectNoAccessibilityViolations(asha);
    await screenshotBothWays(asha, 'case-new');
  });

  await test.step('the checklist runs step by step, with locked steps and who did what', async () => {
    const found = checklistStep(asha, /Account found and belongs to the caller/);
    await expect(found).toContainText("Locked: do these first: Caller's identity confirmed.");
    await expect(found.getByRole('button')).toHaveCount(0);
    await expect(checklistStep(asha, /Patient confirmed they can sign in/)).toContainText('(optional)');
    await expect(checklistStep(asha, /Caller's identity confirmed/)).toContainText('(required)');

    await asha.getByRole('button', { name: "Mark as done: Caller's identity confirmed" }).click();
    await expectSaved(asha, '“Caller\'s identity confirmed” saved');
    await expect(checklistStep(asha, /Caller's identity confirmed/)).toContainText(`Done by ${staff.asha.name} (you)`);
    // Marked from the keyboard: the button goes once the step is done, and the focus
    // stays on the step rather than falling back to the top of the page, so the next
    // Tab goes on from there.
    await found.getByRole('button', { name: /Mark as done/ }).focus();
    await asha.keyboard.press('Enter');
    await expectSaved(asha, '“Account found and belongs to the caller” saved');
    await expect(found).toBeFocused();
    await asha.keyboard.press('Tab');
    await expect(found.getByRole('button', { name: 'Clear: Account found and belongs to the caller' })).toBeFocused();

    // A choice step saved with nothing chosen says what to do, linked from the summary.
    await asha.getByRole('button', { name: 'Save: How the password was reset' }).click();
    await expect(asha.getByRole('alert').filter({ hasText: 'There is a problem' })).toBeVisible();
    await asha.getByRole('link', { name: 'Choose an option for “How the password was reset”' }).click();
    await expect(asha.getByRole('combobox', { name: /How the password was reset/ })).toBeFocused();
    await asha.getByRole('combobox', { name: /How the password was reset/ }).selectOption({ index: 1 });
    await asha.getByRole('button', { name: 'Save: How the password was reset' }).click();
    await expectSaved(asha, '“How the password was reset” saved');
    await expect(asha.getByText('3 of 5 required steps done.', { exact: false })).toBeVisible();
    await expectNoAccessibilityViolations(asha);
    await screenshotBothWays(asha, 'case-checklist');
  });

  await test.step('a note added from the keyboard leaves the focus where it was', async () => {
    const note = asha.getByLabel('Add a note');
    await note.fill('Rang back: she can sign in now.');
    await note.press('Tab');
    const add = asha.getByRole('button', { name: 'Add note' });
    await expect(add).toBeFocused();
    await asha.keyboard.press('Enter');
    await expectSaved(asha, 'Note added');
    await expect(asha.getByText('Rang back: she can sign in now.').first()).toBeVisible();
    await expect(note).toHaveValue('');
    // The page is not swapped out and back around the save: the next Tab goes on
    // from the button, not from the top of the page.
    await expect(add).toBeFocused();
  });

  await test.step('Asha takes the case and starts work', async () => {
    await asha.getByRole('button', { name: 'Assign to me' }).click();
    await expectSaved(asha, 'Assigned to you');
    await expectCaseFact(asha, 'Owner', `${staff.asha.name} (you)`);
    await asha.getByRole('button', { name: 'Start work' }).click();
    await expectSaved(asha, 'Work started: the case is in progress');
    await expectCaseFact(asha, 'Status', 'In progress');
  });

  await test.step('escalating asks who, why and how soon, and says what is missing', async () => {
    await asha.getByRole('button', { name: 'Escalate', exact: true }).click();
    const summary = asha.getByRole('alert').filter({ hasText: 'There is a problem' });
    await expect(summary.getByRole('link')).toHaveText([
      'Enter who you are escalating to, such as the safeguarding lead',
      'Say why you are escalating the case',
      'Enter how many hours they have to answer, from 1 to 720',
    ]);
    await summary.getByRole('link', { name: 'Say why you are escalating the case' }).click();
    await expect(asha.getByLabel('Why you are escalating')).toBeFocused();
    await asha.getByLabel('Escalate to').fill('Team lead, Riverside');
    await asha.getByLabel('Why you are escalating').fill('Account shows sign-ins she does not recognise.');
    await asha.getByLabel('Answer expected within (hours)').fill('4');
    await asha.getByRole('button', { name: 'Escalate', exact: true }).click();
    await expectSaved(asha, 'Escalated to Team lead, Riverside');
    await expectCaseFact(asha, 'Status', 'Escalated');
    await expectCaseFact(
      asha,
      'Escalation',
      'Escalated to Team lead, Riverside: Account shows sign-ins she does not recognise. Answer expected within 4 hours',
    );
    await expectNoAccessibilityViolations(asha);
    await screenshotBothWays(asha, 'case-escalated');
  });

  await test.step('waiting on the patient pauses the clock; then the case is resolved and closed', async () => {
    await asha.getByRole('button', { name: 'Wait on patient' }).click();
    await expectSaved(asha, 'Waiting on the patient: the service-level clock is paused until they reply');
    await expectCaseFact(asha, 'Due', /^Paused while waiting on the patient/);
    await asha.getByRole('button', { name: 'Resolve' }).click();
    await expectSaved(asha, 'Case resolved');
    await expectCaseFact(asha, 'Due', /^(Met|Breached)/);
    await asha.getByRole('button', { name: 'Close' }).click();
    await expectSaved(asha, 'Case closed');
    await expectCaseFact(asha, 'Status', 'Closed');
    // An analyst cannot reopen a closed case; the page says who can.
    await expect(asha.getByRole('button', { name: 'Reopen' })).toHaveCount(0);
    await expect(asha.getByText('Only a supervisor can reopen a closed case')).toBeVisible();
  });

  await test.step('the timeline tells the story in order, from the record’s history', async () => {
    await expectTimeline(asha, [
      'Case opened',
      // The checklist attaches itself when the case is saved, before the first note.
      'Checklist started: Reset a portal password (version 1)',
      'Note: Forgot her password; rang from work.',
      "Ticked “Caller's identity confirmed”",
      'Ticked “Account found and belongs to the caller”',
      '“How the password was reset”: ',
      'Assigned to Asha Patel (you)',
      'Status changed from new to in progress',
      'Escalated to Team lead, Riverside: Account shows sign-ins she does not recognise. Answer expected within 4 hours',
      'Status changed from in progress to escalated',
      'Status changed from escalated to waiting on patient',
      'Status changed from waiting on patient to resolved',
      'Status changed from resolved to closed',
    ]);
    await expectNoAccessibilityViolations(asha);
    await screenshotBothWays(asha, 'case-closed');
    await expectAllSynced(asha);
  });

  await test.step('a supervisor reopens the closed case', async () => {
    const supervisorTablet = await browser.newContext();
    const carys = await supervisorTablet.newPage();
    await signIn(carys, server.baseURL, { email: 'carys.jones@riverside.example' });
    await openCase(carys, 'Nia Holloway');
    await expect(carys.getByRole('heading', { name: 'Nia Holloway', level: 1 })).toBeVisible({ timeout: 30_000 });
    await carys.getByRole('button', { name: 'Reopen' }).click();
    await expectSaved(carys, 'Case reopened: it is in progress again');
    await expectCaseFact(carys, 'Status', 'In progress');
    await supervisorTablet.close();
  });

  await tablet.close();
});
