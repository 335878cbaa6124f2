// Issue 7: the admin sets Riverside's calendar — a closure for staff training,
// a bank holiday, a lower daily limit of online-consultation requests and a day with a
// limit of its own — on the device, and the change syncs to the server, where every
// tablet at the site pulls it. A mistyped opening time is explained and saves nothing.
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { signIn } from './support/actions.mjs';
import { DEMO_PASSWORD, staff } from './support/demo.mjs';
import { expectAllSynced, expectNoAccessibilityViolations, screenshotBothWays } from './support/checks.mjs';

const admin = staff.admin;
// A one-off bank holiday next June (never a standing one).
const extraHoliday = `${new Date().getUTCFullYear() + 1}-06-07`;

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

/** Riverside's settings as a member of its staff pulls them from the server. */
async function riversideSettings(request) {
  const signIn = await request.post(`${server.baseURL}/api/v1/sign-in`, {
    data: { email: 'carys.jones@riverside.example', password: DEMO_PASSWORD, device: 'probe-carys' },
  });
  const headers = { Authorization: `Bearer ${(await signIn.json()).token}` };
  let cursor = 0;
  for (;;) {
    const page = await (await request.get(`${server.baseURL}/api/v1/pull?cursor=${cursor}&limit=500`, { headers })).json();
    const site = page.records.find((r) => r.id === 'site:riverside');
    if (site) return Object.fromEntries(Object.entries(site.fields).map(([k, v]) => [k, v.value]));
    if (!page.more) return null;
    cursor = page.cursor;
  }
}

test('an admin changes a site calendar on the device and it syncs', async ({ browser, request }) => {
  const desk = await browser.newContext();
  const page = await desk.newPage();
  await signIn(page, server.baseURL, admin);
  await expectAllSynced(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sites' }).click();
  await expect(page.getByRole('heading', { name: 'Sites and calendars', level: 1 })).toBeVisible();
  await page.getByLabel('Site', { exact: true }).selectOption({ label: 'Riverside Clinic' });
  await expect(page.getByLabel('Monday opens')).not.toHaveValue('');
  await expectNoAccessibilityViolations(page);
  await screenshotBothWays(page, 'admin-sites');

  await test.step('a closing time before the opening time is explained and nothing is saved', async () => {
    await page.getByLabel('Monday closes').fill('07:00');
    await page.getByRole('button', { name: 'Save site settings' }).click();
    await expect(page.getByRole('alert')).toContainText('Monday: the closing time must be after the opening time');
    await expectNoAccessibilityViolations(page);
    await page.getByLabel('Monday closes').fill('18:30');
  });

  await test.step('a closure, a bank holiday and request limits are saved and synced', async () => {
    await page.getByLabel(/Date of the closure/).fill('2026-12-02');
    await page.getByLabel(/Closes at/).fill('13:00');
    await page.getByLabel(/Opens again at/).fill('17:00');
    await page.getByLabel('Reason', { exact: true }).fill('Staff training');
    await page.getByRole('button', { name: 'Add closure' }).click();
    await expect(page.getByRole('listitem').filter({ hasText: 'Staff training' })).toBeVisible();
    await page.getByLabel(/Add a bank holiday/).fill(extraHoliday);
    await page.getByRole('button', { name: 'Add bank holiday' }).click();
    await expect(page.getByRole('button', { name: `Remove bank holiday ${extraHoliday}` })).toBeVisible();
    await page.getByLabel(/Most requests on a normal open day/).fill('45');
    await page.getByLabel(/A day with its own limit/).fill('2026-12-28');
    await page.getByLabel('Its limit', { exact: true }).fill('20');
    await page.getByRole('button', { name: "Add day's limit" }).click();
    await page.getByRole('button', { name: 'Save site settings' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'settings saved on this device' })).toBeVisible();
    await expectAllSynced(page);
    const settings = await riversideSettings(request);
    expect(settings.daily_request_limit).toBe('45');
    expect(JSON.parse(settings.bank_holidays)).toContain(extraHoliday);
    expect(JSON.parse(settings.closures).map((c) => c.reason)).toContain('Staff training');
    expect(JSON.parse(settings.request_limits)).toEqual({ '2026-12-28': 20 });
  });
  await desk.close();
});
