// A restricted case, as Carys's afternoon as a supervisor: opening Jordan Ashcombe's
// safeguarding concern first asks why she needs it, shows nothing about the patient until
// she says, and her reason reaches the server's audit log with the record of the view.
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { signIn, openCase, giveReasonForAccess } from './support/actions.mjs';
import { expectCaseFact, expectNoAccessibilityViolations, screenshotBothWays, exportAuditLog } from './support/checks.mjs';

const carys = { email: 'carys.jones@riverside.example', name: 'Carys Jones' };
const reason = 'Supervisor review of the safeguarding referral';

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

test('a safeguarding case asks for the reason for access first, and the audit log keeps it', async ({ browser }) => {
  const tablet = await browser.newContext();
  const page = await tablet.newPage();
  await signIn(page, server.baseURL, carys);
  await openCase(page, 'Jordan Ashcombe');

  await test.step('the reason is asked before anything about the patient is shown', async () => {
    await expect(page.getByRole('heading', { name: 'Why do you need to open this case?', level: 1 })).toBeVisible();
    await expect(page.getByText('This is a safeguarding concern case')).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Jordan Ashcombe' })).toHaveCount(0);
    await expect(page.getByText('Jordan Ashcombe')).toHaveCount(0);
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'restricted-reason');
  });

  await test.step('an empty reason says what to write, linked to the field', async () => {
    await page.getByRole('button', { name: 'Open case' }).click();
    const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
    await summary.getByRole('link', { name: /Say why you need to open this case/ }).click();
    await expect(page.getByLabel('Reason for access')).toBeFocused();
    await expectNoAccessibilityViolations(page);
  });

  await test.step('with a reason the case opens, and the view is reported with it', async () => {
    const reported = page.waitForRequest(
      (request) => request.url().endsWith('/api/v1/audit/views') && (request.postData() ?? '').includes(reason),
      { timeout: 45_000 },
    );
    await giveReasonForAccess(page, reason);
    await expect(page.getByRole('heading', { name: 'Jordan Ashcombe', level: 1 })).toBeVisible();
    await expectCaseFact(page, 'Kind of case', 'Safeguarding concern');
    // Reported at the next sync; "Sync now" saves waiting for the timer.
    await page.getByRole('button', { name: 'Sync now' }).click();
    const request = await reported;
    const sent = JSON.parse(request.postData());
    const view = sent.views.find((v) => v.reason === reason);
    expect(view.record).toBeTruthy();
    const response = await request.response();
    expect(response.status()).toBe(200);
    const answer = await response.json();
    expect(answer.refused).toEqual([]);
    expect(answer.recorded + answer.duplicates).toBeGreaterThanOrEqual(1);
    // The audit log itself: a view of this record by Carys, with her reason.
    const audit = await exportAuditLog(server);
    const viewLines = audit.split('\r\n').filter((line) => line.includes(',view,') && line.includes(view.record));
    expect(viewLines).toHaveLength(1);
    expect(viewLines[0]).toContain(reason);
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'restricted-open');
  });

  await tablet.close();
});
