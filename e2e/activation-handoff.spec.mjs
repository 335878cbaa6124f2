// The portal activation hand-off, as a sign-up drive at Riverside: Asha helps Tomasz
// Brightwater register, shows him a QR code that opens the portal on his own phone, and
// prints the instructions for him to take home — the printout has nothing but them.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startServer } from './support/server.mjs';
import { staff } from './support/demo.mjs';
import { signIn, openCase } from './support/actions.mjs';
import { expectNoAccessibilityViolations, screenshotBothWays } from './support/checks.mjs';

const ACTIVATION_URL = 'https://www.nhsapp.service.nhs.uk/';

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

test('a sign-up case hands over to the patient’s phone with a QR code and printable steps', async ({ browser }) => {
  const tablet = await browser.newContext();
  const asha = await tablet.newPage();
  await signIn(asha, server.baseURL, staff.asha);
  await openCase(asha, 'Tomasz Brightwater');
  const handoff = asha.getByRole('region', { name: 'Finish on the patient’s own phone' });

  await test.step('the code and the steps are on the case', async () => {
    await expect(handoff.getByRole('img', { name: `QR code that opens ${ACTIVATION_URL}` })).toBeVisible();
    await expect(handoff).toContainText('For Tomasz Brightwater');
    await expect(handoff.getByRole('listitem')).toHaveCount(4);
    // A 34-byte address needs version 3 (29 modules) plus a 4-module quiet zone each side.
    await expect(handoff.locator('svg')).toHaveAttribute('viewBox', '0 0 37 37');
    await expectNoAccessibilityViolations(asha);
    await screenshotBothWays(asha, 'activation-handoff');
  });

  await test.step('a phone camera reads the address from the code', async () => {
    // scripts/setup.sh installs zbar-tools: a missing decoder fails here, never skips.
    expect(existsSync('/usr/bin/zbarimg'), 'zbarimg (Debian zbar-tools) decodes the code').toBe(true);
    const png = 'test-results/activation-qr.png';
    await handoff.locator('svg').screenshot({ path: png });
    const decoded = execFileSync('/usr/bin/zbarimg', ['--quiet', '--raw', png], { encoding: 'utf8' }).trim();
    expect(decoded).toBe(ACTIVATION_URL);
  });

  await test.step('printing shows the hand-off and nothing else', async () => {
    await asha.emulateMedia({ media: 'print' });
    await expect(handoff.getByRole('img', { name: `QR code that opens ${ACTIVATION_URL}` })).toBeVisible();
    await expect(handoff.getByText('Open the camera on your phone')).toBeVisible();
    await expect(asha.getByRole('link', { name: 'Back to cases' })).toBeHidden();
    await expect(asha.getByRole('heading', { name: 'Tomasz Brightwater', level: 1 })).toBeHidden();
    await expect(handoff.getByRole('button', { name: 'Print instructions' })).toBeHidden();
    await asha.screenshot({ path: 'screenshots/activation-handoff-print.png', fullPage: true });
    await asha.emulateMedia({ media: 'screen' });
  });

  await tablet.close();
});
