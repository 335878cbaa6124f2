// Issue 21 on a shared tablet: Asha and Ben both sign in on one tablet and set PINs;
// offline for the afternoon, each unlocks with their own PIN and works on the same case;
// when the connection returns only Ben is unlocked, yet the server accepts every change
// and credits each person with their own — on the case's timeline and in the audit log —
// because each change was signed on the tablet by the person who made it.
import { test, expect } from '@playwright/test';
import { startServer } from './support/server.mjs';
import { staff } from './support/demo.mjs';
import {
  signIn,
  setPin,
  lock,
  signInFromLocked,
  unlockWithPin,
  waitForOfflineReady,
  createCase,
  addNote,
  openCase,
  openCaseList,
} from './support/actions.mjs';
import { expectAllSynced, expectWaitingChanges, exportAuditLog } from './support/checks.mjs';

const ASHA_PIN = '482913';
const BEN_PIN = '730461';
const ASHAS_NOTE = 'Asha: rang the patient, she will bring photo ID on Friday.';
const BENS_NOTE = 'Ben: photo ID seen at the desk; portal invitation sent.';

let server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.dispose();
});

/** The staff ids of the people who signed in, in order, and the device they used, from the audit log. */
function signIns(auditCsv) {
  return auditCsv
    .split('\r\n')
    .map((line) => line.split(','))
    .filter((cells) => cells[4] === 'sign_in')
    .map((cells) => ({ staff: cells[2], device: cells[3] }));
}

test('two people sharing a tablet offline are each credited with their own changes', async ({ browser }) => {
  const tablet = await browser.newContext();
  const page = await tablet.newPage();

  await test.step('Asha and then Ben sign in on the tablet and each set a PIN', async () => {
    await signIn(page, server.baseURL, staff.asha);
    await setPin(page, ASHA_PIN);
    await waitForOfflineReady(page);
    await expect(page.getByRole('heading', { name: /^(Cases|Portal Desk is locked)$/, level: 1 })).toBeVisible();
    if (await page.getByRole('heading', { name: 'Portal Desk is locked', level: 1 }).isVisible()) {
      await unlockWithPin(page, staff.asha, ASHA_PIN);
    }
    await lock(page);
    await signInFromLocked(page, staff.ben);
    await setPin(page, BEN_PIN);
  });

  await test.step('offline, Asha opens a case under her PIN and adds a note', async () => {
    await server.stop();
    await tablet.setOffline(true);
    await lock(page);
    await unlockWithPin(page, staff.asha, ASHA_PIN);
    await createCase(page, { patient: 'Priya Sharma', kind: 'Proxy access request', note: ASHAS_NOTE });
  });

  await test.step('still offline, Ben unlocks with his PIN and adds his note to her case', async () => {
    await lock(page);
    await unlockWithPin(page, staff.ben, BEN_PIN);
    await page.getByRole('link', { name: 'Cases' }).first().click();
    await openCase(page, 'Priya Sharma');
    await expect(page.getByRole('heading', { name: 'Priya Sharma', level: 1 })).toBeVisible();
    await addNote(page, BENS_NOTE);
    await expectWaitingChanges(page, 5);
  });

  await test.step('back online with Ben unlocked, every change is accepted', async () => {
    await server.start();
    await tablet.setOffline(false);
    await expectAllSynced(page);
    await page.getByRole('link', { name: 'Changes on this device' }).click();
    await expect(page.getByText('Waiting for a supervisor')).toHaveCount(0);
    await expect(page.getByText(/not accepted/)).toHaveCount(0);
  });

  await test.step('the timeline says who wrote each note', async () => {
    await page.getByRole('link', { name: 'Cases' }).first().click();
    await openCase(page, 'Priya Sharma');
    const timeline = page.getByRole('region', { name: 'Timeline' });
    const ashas = timeline.getByRole('listitem').filter({ hasText: ASHAS_NOTE });
    const bens = timeline.getByRole('listitem').filter({ hasText: BENS_NOTE });
    await expect(ashas).toContainText(`${staff.asha.name} on`);
    await expect(bens).toContainText(`${staff.ben.name} (you) on`);
    await expect(timeline.getByText('Not yet synced')).toHaveCount(0);
    // The timeline itself, in view (a full-page picture leaves panels off screen undrawn).
    for (const [width, height, way] of [[1024, 768, 'landscape'], [768, 1024, 'portrait']]) {
      await page.setViewportSize({ width, height });
      await timeline.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `screenshots/shared-tablet-timeline-${way}.png` });
    }
    await openCaseList(page);
  });

  await test.step('the audit log credits each change to the person who signed it', async () => {
    const audit = await exportAuditLog(server);
    const [asha, ben] = signIns(audit);
    expect(asha.device).toBe(ben.device);
    expect(asha.staff).not.toBe(ben.staff);
    // This tablet's pushes (the demo data was pushed by the seed, not by the tablet).
    const pushes = audit.split('\r\n').filter((line) => line.includes(`,${asha.device},push,`));
    expect(pushes.length).toBeGreaterThan(0);
    // The CSV doubles the quotes inside the JSON detail.
    const credited = pushes.map((line) => JSON.parse(line.match(/"(\{.*\})"/)[1].replaceAll('""', '"')).applied_by);
    const total = (who) => credited.reduce((sum, byWhom) => sum + (byWhom[who] ?? 0), 0);
    // Asha: the new patient, the case, its checklist and her note; Ben: his note.
    expect(total(asha.staff)).toBe(4);
    expect(total(ben.staff)).toBe(1);
    for (const line of pushes) expect(line).toContain(`,${ben.staff},${ben.device},push,`);
  });

  await tablet.close();
});
