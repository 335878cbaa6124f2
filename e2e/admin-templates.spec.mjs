// Issue 7: the admin improves Riverside's password-reset checklist — clearer guidance
// and one more step — watching the preview show it as staff will see it, and publishes
// it as the next version. Ben's next password-reset case runs the new version; a title
// left empty is explained and publishes nothing.
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { signIn, setPin, createCase } from './support/actions.mjs';
import { staff } from './support/demo.mjs';
import { expectAllSynced, expectNoAccessibilityViolations, screenshotBothWays } from './support/checks.mjs';

const admin = staff.admin;
const NEW_STEP = 'Tell the patient the code expires in 24 hours';

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

test('an admin publishes a new checklist version and new cases run it', async ({ browser }) => {
  const desk = await browser.newContext();
  const page = await desk.newPage();
  await signIn(page, server.baseURL, admin);
  await expectAllSynced(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Checklists' }).click();
  await expect(page.getByRole('heading', { name: 'Checklist templates', level: 1 })).toBeVisible();
  await page.getByLabel('Site', { exact: true }).selectOption({ label: 'Riverside Clinic' });
  await page.getByLabel('Kind of case').selectOption({ label: 'Password reset' });
  const preview = page.getByRole('region', { name: 'Preview: the checklist as staff will see it' });
  await expect(preview.getByRole('listitem').first()).toBeVisible();
  const published = page.getByRole('button', { name: /^Publish version \d+$/ });
  const version = (await published.textContent()).match(/\d+/)[0];

  await test.step('an empty title is explained and nothing is published', async () => {
    const title = await page.getByLabel('Checklist title').inputValue();
    await page.getByLabel('Checklist title').fill('');
    await published.click();
    await expect(page.getByRole('alert')).toContainText("Enter the checklist's title");
    await page.getByLabel('Checklist title').fill(title);
  });

  await test.step('a new step appears in the preview as staff will see it', async () => {
    await page.getByRole('button', { name: 'Add a step' }).click();
    const steps = await page.getByRole('textbox', { name: /^Step \d+: what staff do$/ }).count();
    await page.getByLabel(`Step ${steps}: what staff do`).fill(NEW_STEP);
    await page.getByLabel(`Step ${steps}: guidance`).fill('Say it twice; offer to write it down.');
    await page.getByLabel(`Step ${steps}: guidance`).blur();
    await expect(preview.getByText(NEW_STEP)).toBeVisible();
    await expectNoAccessibilityViolations(page);
    await screenshotBothWays(page, 'admin-templates');
  });

  await test.step('published, it syncs; Ben’s next password reset runs the new version', async () => {
    await published.click();
    await expect(page.getByRole('status').filter({ hasText: `Version ${version} of` })).toBeVisible();
    await expectAllSynced(page);

    const tablet = await browser.newContext();
    const ben = await tablet.newPage();
    await signIn(ben, server.baseURL, staff.ben);
    await setPin(ben, '552910');
    await expectAllSynced(ben);
    await createCase(ben, { patient: 'Hywel Morgan', kind: 'Password reset' });
    await expect(ben.getByText(`Version ${version} of this checklist`)).toBeVisible();
    await expect(ben.getByRole('heading', { name: NEW_STEP, level: 3 })).toBeVisible();
    await tablet.close();
  });
  await desk.close();
});
