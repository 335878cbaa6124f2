// A tablet whose clock is ten minutes fast: the server refuses its note, and the screen
// tells the truth about it. The header never says "All changes synced" while a change
// is refused, and the refusal names the fault in plain words, with the fix.
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { staff } from './support/demo.mjs';
import { signIn, addNote, openCase } from './support/actions.mjs';
import { expectAllSynced, expectNoAccessibilityViolations, screenshotBothWays } from './support/checks.mjs';

const NOTE = 'Rang back: the reset link arrived and she is signed in.';

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

test('a note from a tablet with a fast clock is refused, and the tablet says why and what to do', async ({ browser }) => {
  const tablet = await browser.newContext();
  const page = await tablet.newPage();
  await page.clock.install();
  await signIn(page, server.baseURL, staff.asha);
  await expectAllSynced(page);

  await test.step('with its clock ten minutes fast, Asha adds a note and it is refused', async () => {
    await page.clock.setSystemTime(new Date(Date.now() + 10 * 60 * 1000));
    await openCase(page, 'Margaret Oakhill');
    await addNote(page, NOTE);
    const banner = page.getByRole('alert').filter({ hasText: 'not accepted' });
    await expect(banner).toContainText('1 change was not accepted by the server.', { timeout: 45_000 });
    await expect(page.getByText('All changes synced')).toHaveCount(0);
    await expect(page.getByRole('status').filter({ hasText: 'Nothing waiting to sync' })).toBeVisible();
  });

  await test.step('the refusal names the fault and the fix', async () => {
    await page.getByRole('link', { name: 'See which, and why' }).click();
    await expect(page.getByText("This device's clock is 10 minutes fast.")).toBeVisible();
    await expect(page.getByText('Set its date and time to update automatically')).toBeVisible();
    // The pointer still rests where the banner's link was clicked; a hovered link loses
    // its underline by design, so move it away before checking contrast and links.
    await page.mouse.move(0, 0);
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'fast-clock-refused');
  });

  await tablet.close();
});
