// What a person checks on screen, phrased as the specs' expectations.
import { expect } from '@playwright/test';

/** The outbox badge says how many changes are still on this device only. */
export async function expectWaitingChanges(page, count) {
  const words = count === 1 ? '1 change waiting to sync' : `${count} changes waiting to sync`;
  await expect(page.getByText(words)).toBeVisible();
}

/** The outbox badge says everything reached the server — with no click, given time. */
export async function expectAllSynced(page) {
  await expect(page.getByText('All changes synced')).toBeVisible({ timeout: 45_000 });
}

/** A case with this patient is listed on the case list. */
export async function expectCaseListed(page, patient, options = {}) {
  await expect(page.getByRole('link', { name: new RegExp(patient) })).toBeVisible(options);
}

/** No case with this patient is listed. */
export async function expectCaseNotListed(page, patient) {
  await expect(page.getByRole('link', { name: new RegExp(patient) })).toHaveCount(0);
}

/** The case page confirms a change in words and says it is safe on the device. */
export async function expectSaved(page, words) {
  await expect(page.getByRole('status').filter({ hasText: `${words}. Saved on this device` })).toBeVisible();
}

/** axe finds no WCAG 2.2 A/AA violations on the screen as it is now. */
export async function expectNoAccessibilityViolations(page) {
  const { AxeBuilder } = await import('@axe-core/playwright');
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(summary).toEqual([]);
}

/** Full-page screenshots at tablet landscape (1024×768) and portrait (768×1024). */
export async function screenshotBothWays(page, name) {
  const before = page.viewportSize();
  for (const [width, height, way] of [[1024, 768, 'landscape'], [768, 1024, 'portrait']]) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: `screenshots/${name}-${way}.png`, fullPage: true });
  }
  if (before) await page.setViewportSize(before);
}

/** One fact in the case header, such as the owner or when it is due. */
export async function expectCaseFact(page, term, value) {
  const row = page.locator('.summary-list__row').filter({ has: page.getByRole('term').filter({ hasText: new RegExp(`^${term}$`) }) });
  await expect(row.getByRole('definition')).toHaveText(value);
}

/** The timeline lists these entries, in this order (others may come between). */
export async function expectTimeline(page, entries) {
  await expect(page.getByRole('region', { name: 'Timeline' }).getByRole('listitem')).toContainText(entries);
}

/**
 * The server's audit log, as its own `audit export` command writes it (CSV), read from
 * the database of the server listening at `server.baseURL` (found from the running
 * process's command line, so support/server.mjs need not change).
 */
export async function exportAuditLog(server) {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { execFileSync } = await import('node:child_process');
  const listen = new URL(server.baseURL).host;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let args;
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const at = args.indexOf('--listen');
    if (at < 0 || args[at + 1] !== listen || !args.includes('serve')) continue;
    const database = args[args.indexOf('--database-url') + 1];
    return execFileSync(args[0], ['audit', 'export', '--database-url', database], { encoding: 'utf8' });
  }
  throw new Error(`no running server listens at ${listen}`);
}

/** The case list shows exactly these patients' cases, in this order. */
export async function expectQueue(page, patients) {
  const names = page.getByRole('list').filter({ has: page.locator('.case-row') }).getByRole('heading', { level: 2 });
  if (patients.length === 0) {
    await expect(page.locator('.case-row')).toHaveCount(0);
  } else {
    await expect(names).toHaveText(patients);
  }
}

/** The row of one patient's case in the case list. */
export function caseRow(page, patient) {
  return page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: patient, level: 2 }) });
}

/** A queue's tab shows this count. */
export async function expectQueueCount(page, queue, count) {
  await expect(page.getByRole('navigation', { name: 'Queues' }).getByRole('link', { name: `${queue} (${count})` })).toBeVisible();
}
