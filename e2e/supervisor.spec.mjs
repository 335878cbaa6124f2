// Carys's supervisor screen: the team dashboard worked out on her own device (its CSV
// downloads say exactly what the tables say), the devices of her site with who used
// each last and when it last synced, handing an absent colleague's open cases on, and
// revoking Asha's lost tablet, which then wipes itself the next time it connects.
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { signIn } from './support/actions.mjs';
import { expectNoAccessibilityViolations, screenshotBothWays } from './support/checks.mjs';
import { staff } from './support/demo.mjs';

const carys = { email: 'carys.jones@riverside.example', name: 'Carys Jones' };

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

/** A table's cells as text, row by row (headings first). */
async function cells(table) {
  return table.locator('tr').evaluateAll((rows) =>
    rows.map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent.trim())),
  );
}

/** A CSV's cells, row by row (the app's CSV quotes only cells with commas or quotes). */
function parseCsv(text) {
  return text
    .split('\r\n')
    .filter((line) => line.length > 0)
    .map((line) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].slice(0, -1).map(([, cell]) => (cell.startsWith('"') ? cell.slice(1, -1).replaceAll('""', '"') : cell)));
}

test('the dashboard, its CSV downloads and the devices list agree, and a revoked tablet wipes itself', async ({ browser }) => {
  const lostTablet = await browser.newContext();
  const asha = await lostTablet.newPage();
  await signIn(asha, server.baseURL, staff.asha);
  // An analyst's header offers no team or staff screens.
  const ashaNav = asha.getByRole('navigation', { name: 'Main' });
  await expect(ashaNav.getByRole('link', { name: 'Cases' })).toBeVisible();
  await expect(ashaNav.getByRole('link', { name: 'Team' })).toHaveCount(0);
  await expect(ashaNav.getByRole('link', { name: 'Staff' })).toHaveCount(0);

  const desk = await browser.newContext();
  const page = await desk.newPage();
  await signIn(page, server.baseURL, carys);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Team' }).click();
  await expect(page.getByRole('heading', { name: 'Supervisor', level: 1 })).toBeVisible();

  await test.step('the dashboard counts from this device and says how fresh it is', async () => {
    await expect(page.getByRole('heading', { name: 'Team dashboard' })).toBeVisible();
    await expect(page.getByText(/Figures from this device, synced/)).toBeVisible();
    await expect(page.getByRole('img', { name: /Bar chart: \d+ cases opened and \d+ resolved over 7 days/ })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Cases by kind' }).getByRole('table')).toBeVisible();
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'supervisor-dashboard');
  });

  await test.step('every table downloads as CSV with exactly the numbers on screen', async () => {
    for (const name of ['Cases by kind', 'Cases opened and resolved per day']) {
      const region = page.getByRole('region', { name });
      const shown = await cells(region.getByRole('table'));
      const link = region.getByRole('link', { name: `Download “${name}” as CSV` });
      const href = await link.getAttribute('href');
      const csv = decodeURIComponent(href.replace('data:text/csv;charset=utf-8,', ''));
      expect(parseCsv(csv)).toEqual(shown);
    }
  });

  await test.step('a date range with the end before the start is explained', async () => {
    await page.getByLabel('From').fill('2026-12-01');
    await page.getByLabel('To').fill('2026-11-01');
    await page.getByLabel('To').dispatchEvent('change');
    await expect(page.getByRole('alert')).toHaveText('The end date must be on or after the start date');
  });

  await test.step('cross-cover hands the open cases of someone away to a colleague', async () => {
    const cover = page.getByRole('region', { name: 'Cross-cover' });
    await cover.getByLabel('Who is away').selectOption({ label: 'Asha Patel (2 open)' });
    await cover.getByLabel('Who covers').selectOption({ label: 'Ben Okafor' });
    await cover.getByRole('button', { name: 'Hand over open cases' }).click();
    await expect(cover.getByRole('status')).toHaveText('2 open cases of Asha Patel now belong to Ben Okafor. Saved on this device');
    await expect(page.getByText('All changes synced')).toBeVisible({ timeout: 45_000 });
    await expectNoAccessibilityViolations(page);
  });

  await test.step('the devices list says who used each device and when it last synced', async () => {
    const devices = page.getByRole('region', { name: 'Devices' });
    const ashaRow = devices.getByRole('row').filter({ hasText: staff.asha.name });
    await expect(ashaRow).toHaveCount(1);
    await expect(ashaRow.getByRole('cell').nth(1)).not.toHaveText('Never');
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'supervisor-devices');
  });

  await test.step('revoking asks first, then the tablet wipes itself when it next connects', async () => {
    const devices = page.getByRole('region', { name: 'Devices' });
    const ashaRow = devices.getByRole('row').filter({ hasText: staff.asha.name });
    await ashaRow.getByRole('button', { name: /^Revoke / }).click();
    await ashaRow.getByRole('button', { name: 'Yes, revoke and wipe' }).click();
    await expect(devices.getByRole('status')).toContainText('will wipe its data the next time it connects');
    await expect(devices.getByRole('row').filter({ hasText: staff.asha.name })).toContainText('Revoked');
    await asha.getByRole('button', { name: 'Sync now' }).click();
    await expect(asha.getByText(/revoked this device/)).toBeVisible({ timeout: 45_000 });
  });

  await desk.close();
  await lostTablet.close();
});
