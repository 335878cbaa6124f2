// Issue 6's case queue as Asha's morning at Riverside Clinic: she sees her site's cases
// with each one's service-level state in words, works through her own and the
// unassigned ones, narrows the list by kind, status and priority, finds cases by name,
// NHS number and case reference, and — days later, with nothing done — sees what has
// breached. Every screen passes axe's WCAG 2.2 AA rules.
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { staff } from './support/demo.mjs';
import {
  signIn,
  setPin,
  unlockWithPin,
  createCase,
  openCaseList,
  openQueue,
  searchCases,
  filterCases,
} from './support/actions.mjs';
import {
  expectAllSynced,
  expectQueue,
  expectQueueCount,
  caseRow,
  expectNoAccessibilityViolations,
  screenshotBothWays,
} from './support/checks.mjs';

const SLA_WORDS = /^Service level: (On track|Due soon|Breached|Paused – waiting on patient|Met|Target missed)$/;
const DAY_MS = 24 * 60 * 60 * 1000;
// The PIN Asha sets after signing in: the tablet's data is encrypted and a reload locks it.
const ASHA_PIN = '582047';

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

test('Asha works through her queue: tabs, filters, search and service levels', async ({ page }) => {
  await signIn(page, server.baseURL, staff.asha);
  await setPin(page, ASHA_PIN);
  const tabs = page.getByRole('navigation', { name: 'Queues' });

  await test.step('the whole site’s queue opens first, every case with its service level in words', async () => {
    await expect(tabs.getByRole('link', { name: /^All my site’s cases/ })).toHaveAttribute('aria-current', 'page');
    await expect(caseRow(page, 'Margaret Oakhill')).toBeVisible({ timeout: 30_000 });
    // Six Riverside cases; the safeguarding concern is not Asha's to see.
    await expectQueueCount(page, 'All my site’s cases', 6);
    await expect(caseRow(page, 'Jordan Ashcombe')).toHaveCount(0);
    for (const row of await page.locator('.case-row').all()) {
      await expect(row.locator('.nhsuk-tag').first()).toHaveText(SLA_WORDS);
    }
    // Ellis's case was resolved within its target.
    await expect(caseRow(page, 'Ellis Marchbank').getByText('Service level: Met', { exact: true })).toBeVisible();
    await expect(caseRow(page, 'Ellis Marchbank').getByText('Resolved', { exact: true })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Showing 6 cases' })).toBeVisible();
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'queue-site');
  });

  await test.step('her own cases, the unassigned ones, and an empty queue that says so', async () => {
    await openQueue(page, 'My cases');
    await expect(tabs.getByRole('link', { name: 'My cases (2)' })).toHaveAttribute('aria-current', 'page');
    await expect(caseRow(page, 'Margaret Oakhill')).toBeVisible();
    await expect(caseRow(page, 'Priya Fernhollow')).toBeVisible();
    await expect(page.locator('.case-row')).toHaveCount(2);

    await openQueue(page, 'Unassigned');
    await expect(caseRow(page, 'Tomasz Brightwater')).toBeVisible();
    await expect(caseRow(page, 'Rafael Dunmore')).toBeVisible();
    // Resolved cases are not waiting for an owner.
    await expect(caseRow(page, 'Ellis Marchbank')).toHaveCount(0);
    await expect(page.locator('.case-row')).toHaveCount(2);

    await openQueue(page, 'Escalated');
    await expect(page.getByRole('heading', { name: 'No cases in “Escalated”', level: 2 })).toBeVisible();
    await expect(page.getByText('No cases are escalated.')).toBeVisible();
    await expectNoAccessibilityViolations(page);
    await openQueue(page, 'All my site’s cases');
  });

  await test.step('filters narrow the list by kind, status and priority, and the tabs count what is left', async () => {
    await filterCases(page, 'Kind', 'Imaging transfer request');
    await expectQueue(page, ['Winifred Clayborne']);
    await expectQueueCount(page, 'My cases', 0);
    await filterCases(page, 'Kind', 'All kinds');

    await filterCases(page, 'Priority', 'High');
    await expect(page.locator('.case-row')).toHaveCount(2);
    await expect(caseRow(page, 'Priya Fernhollow')).toBeVisible();
    await expect(caseRow(page, 'Winifred Clayborne')).toBeVisible();
    await filterCases(page, 'Status', 'Waiting on patient');
    await expectQueue(page, ['Priya Fernhollow']);
    await expect(caseRow(page, 'Priya Fernhollow').getByText('Paused – waiting on patient')).toBeVisible();
    await filterCases(page, 'Status', 'All statuses');
    await filterCases(page, 'Priority', 'All priorities');
    await expect(page.locator('.case-row')).toHaveCount(6);
  });

  await test.step('a new case with an NHS number, then search by name, NHS number and reference', async () => {
    await createCase(page, {
      patient: 'Rhiannon Pryce',
      kind: 'Account unlock',
      nhsNumber: '485 777 3457',
      priority: 'Urgent',
      born: ['2', '7', '1991'],
    });
    await expectAllSynced(page);
    await openCaseList(page);
    // Just made: nothing of its target is used yet.
    await expect(caseRow(page, 'Rhiannon Pryce').getByText('Service level: On track', { exact: true })).toBeVisible();
    await expect(caseRow(page, 'Rhiannon Pryce').getByText(/^Due /)).toBeVisible();

    await searchCases(page, 'oakh');
    await expectQueue(page, ['Margaret Oakhill']);
    await searchCases(page, '485 777 3457');
    await expectQueue(page, ['Rhiannon Pryce']);
    await searchCases(page, '4857773457');
    await expectQueue(page, ['Rhiannon Pryce']);
    await searchCases(page, '');
    const reference = (await caseRow(page, 'Tomasz Brightwater').locator('.case-row__reference').textContent()).trim();
    expect(reference).toMatch(/^PD-[0-9A-F]{8}$/);
    await searchCases(page, reference.toLowerCase());
    await expectQueue(page, ['Tomasz Brightwater']);
  });

  await test.step('a search that finds nothing says what to do, and clearing it brings the list back', async () => {
    await searchCases(page, 'Nobody Byname');
    await expect(page.getByRole('heading', { name: 'No cases match your search and filters', level: 2 })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'No cases to show' })).toBeVisible();
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'queue-no-match');
    await page.getByRole('button', { name: 'Clear search and filters' }).click();
    await expect(page.locator('.case-row')).toHaveCount(7);
    await expect(page.getByLabel('Search by patient name, NHS number or case reference')).toHaveValue('');
  });

  await test.step('ten days on with nothing done, open cases have breached and say when they were due', async () => {
    await page.clock.install({ time: Date.now() + 10 * DAY_MS });
    await page.reload();
    // A reload drops the key from memory: Asha unlocks with her PIN.
    await unlockWithPin(page, staff.asha, ASHA_PIN);
    await expect(page.getByRole('heading', { name: 'Cases', level: 1 })).toBeVisible();
    await expect(caseRow(page, 'Margaret Oakhill')).toBeVisible({ timeout: 30_000 });
    await openQueue(page, 'Breached');
    const breached = ['Margaret Oakhill', 'Tomasz Brightwater', 'Winifred Clayborne', 'Rafael Dunmore', 'Rhiannon Pryce'];
    await expect(page.locator('.case-row')).toHaveCount(breached.length);
    for (const patient of breached) {
      await expect(caseRow(page, patient).getByText('Service level: Breached', { exact: true })).toBeVisible();
      await expect(caseRow(page, patient).getByText(/^Was due \d+ \w+ \d{4} at \d\d:\d\d$/)).toBeVisible();
    }
    // Waiting on the patient pauses the clock; a resolved case is finished.
    await expect(caseRow(page, 'Priya Fernhollow')).toHaveCount(0);
    await expect(caseRow(page, 'Ellis Marchbank')).toHaveCount(0);
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'queue-breached');

    await openQueue(page, 'Due soon');
    await expect(page.getByText('No open cases are close to their service-level target.')).toBeVisible();

    // By due time, breached cases come before the paused and the finished ones.
    await openQueue(page, 'All my site’s cases');
    const names = await page.locator('.case-row h2').allTextContents();
    expect(names.slice(-2)).toEqual(['Priya Fernhollow', 'Ellis Marchbank']);
    await page.getByLabel('Sort by').selectOption({ label: 'Newest first' });
    await expect(page.locator('.case-row h2').first()).toHaveText('Rhiannon Pryce');
  });
});
