// The kiosk as staff and patients use it: start it from "This device", fill the form in
// one of its languages, and leave it with a staff PIN. The words are the kiosk's own
// (src/kiosk/text.rs), so a spec reads in the language the patient chose.
import { expect } from '@playwright/test';

export const WORDS = {
  English: {
    heading: 'Register as a patient', given: 'First name', family: 'Last name', day: 'Day', month: 'Month', year: 'Year',
    nhs: 'NHS number (if you know it)', postcode: 'Postcode', contact: 'Mobile number or email address',
    largePrint: 'Large print', send: 'Send my details', thanks: 'Thank you. Your details have been sent', finish: 'Finish',
    problem: 'There is a problem',
  },
  Cymraeg: {
    heading: 'Cofrestru fel claf', given: 'Enw cyntaf', family: 'Cyfenw', day: 'Diwrnod', month: 'Mis', year: 'Blwyddyn',
    nhs: 'Rhif GIG (os ydych chi’n ei wybod)', postcode: 'Cod post', contact: 'Rhif ffôn symudol neu gyfeiriad e-bost',
    largePrint: 'Print bras', send: 'Anfon fy manylion', thanks: 'Diolch. Mae eich manylion wedi’u hanfon', finish: 'Gorffen',
    problem: 'Mae problem',
  },
  Polski: {
    heading: 'Rejestracja pacjenta', given: 'Imię', family: 'Nazwisko', day: 'Dzień', month: 'Miesiąc', year: 'Rok',
    nhs: 'Numer NHS (jeśli go znasz)', postcode: 'Kod pocztowy', contact: 'Numer telefonu komórkowego lub adres e-mail',
    largePrint: 'Duży druk', send: 'Wyślij moje dane', thanks: 'Dziękujemy. Twoje dane zostały wysłane', finish: 'Zakończ',
    problem: 'Wystąpił problem',
  },
};

/** From the case list, turns the tablet into a kiosk for the person's site. */
export async function startKiosk(page) {
  await page.getByRole('link', { name: 'This device', exact: true }).click();
  await page.getByRole('button', { name: 'Start kiosk' }).click();
  await expect(page.getByRole('heading', { name: WORDS.English.heading, level: 1 })).toBeVisible();
}

/** On the kiosk, switches the form to `language` (its own name, as on the button). */
export async function chooseLanguage(page, language) {
  await page.getByRole('group', { name: 'Language / Iaith / Język' }).getByRole('button', { name: language }).click();
  await expect(page.getByRole('heading', { name: WORDS[language].heading, level: 1 })).toBeVisible();
}

/** Fills the form in `language` with `patient`'s details and sends it. */
export async function register(page, language, patient) {
  const w = WORDS[language];
  await page.getByLabel(w.given, { exact: true }).fill(patient.given);
  await page.getByLabel(w.family, { exact: true }).fill(patient.family);
  await page.getByLabel(w.day, { exact: true }).fill(patient.born[0]);
  await page.getByLabel(w.month, { exact: true }).fill(patient.born[1]);
  await page.getByLabel(w.year, { exact: true }).fill(patient.born[2]);
  await page.getByLabel(w.postcode, { exact: true }).fill(patient.postcode);
  await page.getByLabel(w.contact, { exact: true }).fill(patient.contact);
  if (patient.largePrint) await page.getByLabel(w.largePrint, { exact: true }).check();
  await page.getByRole('button', { name: w.send }).click();
  await expect(page.getByRole('heading', { name: w.thanks, level: 1 })).toBeVisible();
}

/** Enters a staff PIN on the kiosk's staff screen (to unlock it, or to leave it). */
export async function staffPin(page, person, pin, button) {
  await page.getByLabel('Your name').selectOption({ label: person.name });
  await page.getByLabel('PIN', { exact: true }).fill(pin);
  await page.getByRole('button', { name: button }).click();
}

/** Leaves kiosk mode with `person`'s PIN and waits for the case list. */
export async function leaveKiosk(page, person, pin) {
  await page.getByRole('button', { name: 'Staff: leave kiosk' }).click();
  await expect(page.getByRole('heading', { name: 'Leave kiosk mode', level: 1 })).toBeVisible();
  await staffPin(page, person, pin, 'Leave kiosk');
  await expect(page.getByRole('heading', { name: 'Cases', level: 1 })).toBeVisible();
}
