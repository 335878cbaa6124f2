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

/** Creates a case from the case list and waits for the durable-save confirmation. */
export async function createCase(page, { patient, kind, note }) {
  await page.getByRole('link', { name: 'New case' }).click();
  await page.getByLabel('Patient name').fill(patient);
  await page.getByLabel('Kind of case').selectOption({ label: kind });
  if (note) await page.getByLabel('Note').fill(note);
  await page.getByRole('button', { name: 'Save case' }).click();
  await expect(page.getByText('Saved on this device')).toBeVisible();
  await expect(page.getByRole('heading', { name: patient, level: 1 })).toBeVisible();
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
