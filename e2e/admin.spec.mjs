// The admin's staff screen: adding a member of staff who can then sign in, and
// deactivating one who then cannot; and an analyst, who can reach none of the
// supervisor's or admin's screens or actions, in the app or at the API.
import { createHmac } from 'node:crypto';
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { signIn } from './support/actions.mjs';
import { expectNoAccessibilityViolations, screenshotBothWays } from './support/checks.mjs';
import { DEMO_PASSWORD, staff } from './support/demo.mjs';

const admin = staff.admin;

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

/** Follows an in-app link to `path` (the router handles it without reloading the page). */
async function goTo(page, path) {
  await page.evaluate((to) => {
    history.pushState({}, '', to);
    dispatchEvent(new PopStateEvent('popstate', { state: {} }));
  }, path);
}

let probes = 0;

/** Signs in at the API alone; the bearer token, the new device's id and its operation key. */
async function apiToken(request, email, password = DEMO_PASSWORD) {
  // Each probe is a new device: naming one already registered would need its secret.
  // A device id is letters, digits and -_.: only, so the email's @ becomes a dash.
  const device = `probe-${++probes}-${email.replaceAll('@', '-')}`;
  const response = await request.post(`${server.baseURL}/api/v1/sign-in`, { data: { email, password, device } });
  const answer = response.ok() ? await response.json() : {};
  return { status: response.status(), token: answer.token ?? null, device, credential: answer.credential };
}

/**
 * Signs `op` as a tablet does: HMAC-SHA256 under the credential's key over the canonical
 * bytes (the core's `op_signing_bytes`: a JSON array, the body's members in the order
 * the core declares them).
 */
function sign(op, credential) {
  const { id, device, seq, hlc, actor, record, body } = op;
  const bytes = JSON.stringify(['portal-desk op v1', credential.id, id, device, seq, [hlc.wall_ms, hlc.counter, hlc.device], actor, record, body]);
  const mac = createHmac('sha256', Buffer.from(credential.key, 'hex')).update(bytes).digest('hex');
  return { ...op, signature: { credential: credential.id, mac } };
}

test('an admin adds a member of staff and deactivates another', async ({ browser, request }) => {
  const desk = await browser.newContext();
  const page = await desk.newPage();
  await signIn(page, server.baseURL, admin);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Staff' }).click();
  await expect(page.getByRole('heading', { name: 'Staff', level: 1 })).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: 'Ben Okafor' })).toContainText('ben.okafor@riverside.example');
  await expectNoAccessibilityViolations(page);
  await screenshotBothWays(page, 'admin-staff');

  await test.step('a new member of staff can sign in', async () => {
    await page.getByLabel('Full name').fill('Nia Evans');
    await page.getByLabel('Work email').fill('nia.evans@riverside.example');
    await page.getByLabel('Role').selectOption({ label: 'Analyst' });
    await page.getByLabel('Riverside Clinic').check();
    await page.getByLabel(/First password/).fill('a long first password');
    await page.getByRole('button', { name: 'Add member of staff' }).click();
    await expect(page.getByText('Nia Evans is added and can sign in.')).toBeVisible();
    await expect(page.getByRole('row').filter({ hasText: 'nia.evans@riverside.example' })).toBeVisible();
    expect((await apiToken(request, 'nia.evans@riverside.example', 'a long first password')).status).toBe(200);
  });

  await test.step('her role, sites and password are changed, and the old password stops working', async () => {
    await page.getByRole('button', { name: 'Change Nia Evans' }).click();
    const form = page.getByRole('region', { name: 'Change Nia Evans' });
    await form.getByLabel('Role').selectOption({ label: 'Supervisor' });
    await form.getByRole('button', { name: 'Save role and sites' }).click();
    await expect(page.getByText("Nia Evans's role and sites are saved.")).toBeVisible();
    await expect(page.getByRole('row').filter({ hasText: 'nia.evans@riverside.example' })).toContainText('Supervisor');
    await page.getByRole('button', { name: 'Change Nia Evans' }).click();
    await form.getByLabel(/New password/).fill('short');
    await form.getByRole('button', { name: 'Reset password' }).click();
    await expect(form.getByRole('alert')).toContainText('at least 10 characters');
    await expectNoAccessibilityViolations(page);
    await form.getByLabel(/New password/).fill('a brand new password');
    await form.getByRole('button', { name: 'Reset password' }).click();
    await expect(page.getByText("Nia Evans's password is reset.")).toBeVisible();
    expect((await apiToken(request, 'nia.evans@riverside.example', 'a long first password')).status).toBe(401);
    expect((await apiToken(request, 'nia.evans@riverside.example', 'a brand new password')).status).toBe(200);
  });

  await test.step('a short password is refused with the reason', async () => {
    await page.getByLabel('Full name').fill('Owen Short');
    await page.getByLabel('Work email').fill('owen@riverside.example');
    await page.getByLabel(/First password/).fill('short');
    await page.getByRole('button', { name: 'Add member of staff' }).click();
    await expect(page.getByRole('alert')).toContainText('password');
    await expectNoAccessibilityViolations(page);
  });

  await test.step('a deactivated member of staff cannot sign in', async () => {
    await page.getByRole('button', { name: 'Deactivate Ben Okafor' }).click();
    await expect(page.getByText(/Ben Okafor is deactivated/)).toBeVisible();
    await expect(page.getByRole('row').filter({ hasText: 'Ben Okafor' })).toContainText('Deactivated');
    expect((await apiToken(request, staff.ben.email)).status).toBe(401);
    await page.getByRole('button', { name: 'Reactivate Ben Okafor' }).click();
    await expect(page.getByText('Ben Okafor can sign in again.')).toBeVisible();
  });
  await desk.close();
});

test('an analyst can reach none of the supervisor and admin screens or actions', async ({ browser, request }) => {
  const tablet = await browser.newContext();
  const page = await tablet.newPage();
  await signIn(page, server.baseURL, staff.asha);
  for (const path of ['/supervisor', '/admin/staff', '/admin/sites', '/admin/templates']) {
    await goTo(page, path);
    await expect(page.getByRole('heading', { name: 'You cannot use this screen', level: 1 })).toBeVisible();
    await expect(page.getByRole('table')).toHaveCount(0);
    await expect(page.getByRole('button', { name: /Revoke|Deactivate|Add member|Save site settings|Publish version/ })).toHaveCount(0);
  }
  await expectNoAccessibilityViolations(page);

  const { token, device, credential } = await apiToken(request, staff.asha.email);
  const headers = { Authorization: `Bearer ${token}` };
  const attempts = [
    ['get', '/api/v1/devices', undefined],
    ['post', '/api/v1/devices/any-device/revoke', undefined],
    ['post', '/api/v1/devices/any-device/kiosk', { site: 'riverside' }],
    ['post', '/api/v1/staff', { email: 'x@riverside.example', name: 'X', role: 'admin', sites: ['riverside'], password: 'long enough pass' }],
    ['patch', '/api/v1/staff/anyone', { role: 'admin' }],
    ['post', '/api/v1/staff/anyone/password', { password: 'taken over now' }],
  ];
  for (const [method, path, data] of attempts) {
    const response = await request.fetch(`${server.baseURL}${path}`, { method: method.toUpperCase(), headers, data });
    expect(response.status(), `${method} ${path}`).toBe(403);
    expect(response.headers()['content-type']).toBe('application/problem+json');
    expect((await response.json()).type).toBe('/problems/forbidden');
  }
  // Site calendars and checklist templates sync like cases: pushed by an analyst, even
  // signed by her own key, they are refused.
  const op = sign({
    id: 'probe-1', device, seq: 1,
    hlc: { wall_ms: Date.now(), counter: 0, device },
    actor: (await (await request.get(`${server.baseURL}/api/v1/me`, { headers })).json()).id,
    record: 'site:riverside',
    body: { type: 'set_field', field: 'daily_request_limit', value: '999', replaces: null },
  }, credential);
  const push = await request.post(`${server.baseURL}/api/v1/push`, { headers, data: { device, ops: [op] } });
  expect(push.status()).toBe(200);
  const outcome = (await push.json()).results[0].outcome;
  expect(outcome.status).toBe('rejected');
  expect(outcome.code).toBe('forbidden');
  await tablet.close();
});
