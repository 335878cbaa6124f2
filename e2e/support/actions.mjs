// What a person does in Portal Desk, as steps the specs compose into a working day.
import { expect } from '@playwright/test';
import { DEMO_PASSWORD } from './demo.mjs';

/** Opens the app and signs in; returns once the case list is on screen. */
export async function signIn(page, baseURL, person) {
  await page.goto(`${baseURL}/`);
  await page.getByLabel('Email address').fill(person.email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Cases', level: 1 })).toBeVisible();
}

/** Waits until the service worker controls the page, so a reload works with no network. */
export async function waitForOfflineReady(page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  if (!(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)))) {
    await page.reload();
  }
  await expect.poll(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller))).toBe(true);
}

/**
 * Creates a case from the case list and waits for the durable-save confirmation. A new
 * patient record is made with the date of birth given (`born` as [day, month, year]) and
 * the NHS number, if one is given.
 */
export async function createCase(page, { patient, kind, note, born = ['15', '3', '1984'], nhsNumber, priority }) {
  await page.getByRole('link', { name: 'New case' }).click();
  await page.getByLabel('Kind of case').selectOption({ label: kind });
  await page.getByLabel('Patient name').fill(patient);
  await fillDateOfBirth(page, born);
  if (nhsNumber) await page.getByLabel('NHS number').fill(nhsNumber);
  if (priority) await page.getByLabel('Priority').selectOption({ label: priority });
  if (note) await page.getByLabel('Note').fill(note);
  await page.getByRole('button', { name: 'Save case' }).click();
  await expect(page.getByText('Saved on this device')).toBeVisible();
  await expect(page.getByRole('heading', { name: patient, level: 1 })).toBeVisible();
}

/** On the new case screen, types the patient's date of birth into its three boxes. */
export async function fillDateOfBirth(page, [day, month, year]) {
  const born = page.getByRole('group', { name: 'Date of birth' });
  await born.getByLabel('Day').fill(day);
  await born.getByLabel('Month').fill(month);
  await born.getByLabel('Year').fill(year);
}

/** On an open case, moves it to another status. */
export async function changeStatus(page, statusLabel) {
  await page.getByLabel('Status').selectOption({ label: statusLabel });
  await page.getByRole('button', { name: 'Change status' }).click();
  await expect(page.getByText('Saved on this device')).toBeVisible();
}

/** On an open case, adds a note to its timeline. */
export async function addNote(page, text) {
  await page.getByLabel('Add a note').fill(text);
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByText('Saved on this device')).toBeVisible();
}

/** From a case, goes back to the case list. */
export async function openCaseList(page) {
  await page.getByRole('link', { name: 'Back to cases' }).click();
  await expect(page.getByRole('heading', { name: 'Cases', level: 1 })).toBeVisible();
}

/** From the case list, opens the case of this patient. */
export async function openCase(page, patient) {
  await page.getByRole('link', { name: new RegExp(patient) }).first().click();
}

/** On an open case, starts its checklist and waits for the confirmation. */
export async function startChecklist(page) {
  await page.getByRole('button', { name: 'Start checklist' }).click();
  await expect(page.getByText(/Checklist started: .*Saved on this device/)).toBeVisible();
}

/** On a restricted case, says why the case is needed and opens it. */
export async function giveReasonForAccess(page, reason) {
  await page.getByLabel('Reason for access').fill(reason);
  await page.getByRole('button', { name: 'Open case' }).click();
}

/** The card of one checklist step, to act within it. */
export function checklistStep(page, title) {
  return page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: title, level: 3 }) });
}

/** On the case list, opens one of the queues by its tab ("My cases", "Breached"…). */
export async function openQueue(page, name) {
  await page.getByRole('navigation', { name: 'Queues' }).getByRole('link', { name: new RegExp(`^${name} \\(\\d+\\)$`) }).click();
}

/** On the case list, types into the search box (replacing what was there). */
export async function searchCases(page, text) {
  await page.getByLabel('Search by patient name, NHS number or case reference').fill(text);
}

/** On the case list, narrows the list with one of the filters ("Kind", "Status", "Priority"). */
export async function filterCases(page, filter, option) {
  await page.getByRole('search', { name: 'Find cases' }).getByLabel(filter, { exact: true }).selectOption({ label: option });
}

/** From the reminder shown after a first sign-in, sets the PIN that unlocks this tablet offline. */
export async function setPin(page, pin) {
  await page.getByRole('link', { name: 'Set a PIN' }).click();
  await expect(page.getByRole('heading', { name: 'Set a PIN for this device', level: 1 })).toBeVisible();
  await page.getByLabel('New PIN', { exact: true }).fill(pin);
  await page.getByLabel('New PIN again').fill(pin);
  await page.getByRole('button', { name: 'Set PIN' }).click();
  await expect(page.getByRole('heading', { name: 'Cases', level: 1 })).toBeVisible();
}

/** On the locked screen, picks `person` and types `pin`; does not wait for the outcome. */
export async function enterPin(page, person, pin) {
  await expect(page.getByRole('heading', { name: 'Portal Desk is locked', level: 1 })).toBeVisible();
  await page.getByLabel('Who are you?').selectOption({ label: person.name });
  await page.getByLabel('PIN', { exact: true }).fill(pin);
  await page.getByRole('button', { name: 'Unlock' }).click();
}

/** Unlocks with `person`'s PIN and waits until the locked screen has gone. */
export async function unlockWithPin(page, person, pin) {
  await enterPin(page, person, pin);
  await expect(page.getByRole('heading', { name: 'Portal Desk is locked', level: 1 })).toBeHidden();
  await expect(page.getByText(`Signed in as ${person.name}`)).toBeVisible();
}

/** Presses the header's lock button and waits for the locked screen. */
export async function lock(page) {
  await page.getByRole('button', { name: 'Lock or switch user' }).click();
  await expect(page.getByRole('heading', { name: 'Portal Desk is locked', level: 1 })).toBeVisible();
  await expect(page.getByText('Locked: nobody is signed in')).toBeVisible();
}

/** Signs in from the locked screen with an email address and password. */
export async function signInFromLocked(page, person) {
  await page.getByRole('link', { name: 'Sign in with your email and password', exact: true }).click();
  await page.getByLabel('Email address').fill(person.email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Cases', level: 1 })).toBeVisible();
}
