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
