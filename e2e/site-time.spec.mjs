// Times as the site keeps them: a helpdesk laptop left on New York time still shows
// Riverside's times in UK time, a note made in winter still reads at the time it was
// made when the screen is read in summer, and an admin sets a site's time zone from
// the server's time-zone database (a zone it does not know is explained, not saved).
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { staff } from './support/demo.mjs';
import { signIn, openCase } from './support/actions.mjs';
import { expectAllSynced, expectNoAccessibilityViolations, screenshotBothWays } from './support/checks.mjs';

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

/** Hours and minutes of `ms` in London, as the app writes them. */
function londonTime(ms) {
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
}

test('a laptop on another zone, read in another season, shows the site time each thing happened', async ({ browser }) => {
  const laptop = await browser.newContext({ timezoneId: 'America/New_York' });
  const page = await laptop.newPage();
  await page.clock.install();
  await signIn(page, server.baseURL, staff.asha);
  await expectAllSynced(page);

  await test.step('the header gives the last sync in UK time, not the laptop zone', async () => {
    const now = await page.evaluate(() => Date.now());
    const shown = [londonTime(now - 60_000), londonTime(now)].map((t) => `Last synced at ${t}`);
    await expect(page.getByText(/^Last synced at /)).toHaveText(new RegExp(`^(${shown.join('|')})$`));
  });

  let winter;
  await test.step('the timeline says when each entry was made', async () => {
    await openCase(page, 'Margaret Oakhill');
    const meta = page.getByRole('region', { name: 'Timeline' }).locator('.timeline__meta');
    await expect(meta.first()).toContainText(' on ');
    winter = await meta.allInnerTexts();
  });

  await test.step('read again in July, the same entries show the same times', async () => {
    const july = Date.UTC(new Date().getUTCFullYear() + 1, 6, 1, 11, 0);
    await page.clock.setSystemTime(july);
    await page.getByRole('link', { name: 'Cases' }).first().click();
    await openCase(page, 'Margaret Oakhill');
    const meta = page.getByRole('region', { name: 'Timeline' }).locator('.timeline__meta');
    await expect(meta.first()).toContainText(' on ');
    expect(await meta.allInnerTexts()).toEqual(winter);
  });
  await laptop.close();
});

test('an admin sets a site time zone from the server database', async ({ browser }) => {
  const desk = await browser.newContext({ timezoneId: 'Asia/Tokyo' });
  const page = await desk.newPage();
  await signIn(page, server.baseURL, staff.admin);
  await expectAllSynced(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sites' }).click();
  await page.getByLabel('Site', { exact: true }).selectOption({ label: 'Riverside Clinic' });
  await expect(page.getByText('Times at this site are shown in Europe/London')).toBeVisible();
  // Protected learning time was set for 13:00 to 17:00 at the site: so it reads, in
  // Tokyo as anywhere.
  await expect(page.getByRole('listitem').filter({ hasText: 'Protected learning time' })).toContainText(/at 13:00 to .* at 17:00/);

  await test.step('a zone the database does not have is explained and changes nothing', async () => {
    await page.getByLabel(/^Time zone/).fill('Europe/Atlantis');
    await page.getByRole('button', { name: 'Look up time zone' }).click();
    await expect(page.getByRole('alert')).toContainText("There is no time zone called 'Europe/Atlantis'");
    await expect(page.getByText('Times at this site are shown in Europe/London')).toBeVisible();
  });

  await test.step('a real zone is looked up, saved and synced', async () => {
    await page.getByLabel(/^Time zone/).fill('Europe/Dublin');
    await page.getByRole('button', { name: 'Look up time zone' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Found Europe/Dublin' })).toBeVisible();
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'admin-site-time-zone');
    await page.getByRole('button', { name: 'Save site settings' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'settings saved on this device' })).toBeVisible();
    await expectAllSynced(page);
    await expect(page.getByText('1 change was not accepted')).toHaveCount(0);
  });

  await test.step("Scotland's bank holidays for ten years are added in one go", async () => {
    await page.getByLabel('Bank holidays of').selectOption({ label: 'Scotland' });
    await page.getByRole('button', { name: /^Add Scotland's bank holidays/ }).click();
    // England's days are there already; Scotland adds 2 January, the first Monday of
    // August and St Andrew's Day each year.
    await expect(page.getByRole('status').filter({ hasText: /^[1-9]\d+ bank holidays added/ })).toBeVisible();
  });
  await desk.close();
});
