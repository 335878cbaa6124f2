// The Portal Desk jobs of the benchmark, done through the real app the way a person
// does them, with role-based locators; every time is taken in the page.
import { lastClick, mark, watch } from './browser.mjs';

export const PASSWORD = 'portal-desk-demo';
export const PIN = '482913';

/**
 * Sets a PIN on this device for the person signed in, so later starts can unlock
 * offline: on the page the app opens after sign-in, or from the reminder's link.
 */
export async function setPin(page) {
  const pinHeading = page.getByRole('heading', { name: 'Set a PIN for this device', level: 1 });
  const reminder = page.getByRole('link', { name: 'Set a PIN' });
  await pinHeading.or(reminder).first().waitFor({ timeout: 60_000 });
  if (!(await pinHeading.isVisible())) await reminder.click();
  await page.getByLabel('New PIN', { exact: true }).fill(PIN);
  await page.getByLabel('New PIN again').fill(PIN);
  await page.getByRole('button', { name: 'Set PIN' }).click();
  await page.getByRole('heading', { name: 'Cases', level: 1 }).waitFor({ timeout: 60_000 });
}

/**
 * Signs in on an empty tablet and waits for the first sync of the whole site to finish
 * ("Last synced at" replaces "Not synced yet"). Returns milliseconds from the sign-in
 * answer to the end of the first sync and to the list counting all `cases`, and the
 * pull requests' figures. Then sets a PIN (not timed).
 */
export async function firstSync(page, baseURL, email, cases) {
  await page.goto(`${baseURL}/`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await watch(page, 'synced', () => /Last synced at/.test(window.__bench.text()));
  await watch(page, 'listed', (n) => window.__bench.siteCount() >= n, cases);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const clicked = await lastClick(page);
  const synced = await mark(page, 'synced');
  const network = await page.evaluate(() => {
    const entries = performance.getEntriesByType('resource');
    const signIn = entries.find((e) => e.name.includes('/api/v1/sign-in'));
    const pulls = entries.filter((e) => e.name.includes('/api/v1/pull'));
    return {
      signedInAt: signIn?.responseEnd ?? null,
      pulls: pulls.length,
      pullBytes: pulls.reduce((sum, e) => sum + (e.encodedBodySize || 0), 0),
      pullNetworkMs: pulls.reduce((sum, e) => sum + (e.responseEnd - e.startTime), 0),
      firstPullAt: pulls[0]?.startTime ?? null,
    };
  });
  const from = network.signedInAt ?? clicked;
  const listed = await mark(page, 'listed');
  await setPin(page);
  return { ms: synced - from, listedMs: listed - from, fromClickMs: synced - clicked, ...network };
}

/** Waits until the service worker controls the page, so a start with no network works. */
export async function waitForOfflineReady(page) {
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  if (!(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)))) await page.reload();
  await page.waitForFunction(() => Boolean(navigator.serviceWorker.controller), null, { timeout: 60_000 });
}

/** The list's own count of the cases it holds ("Showing 50 of N cases"), as a check. */
const shownCount = (page) => page.evaluate(() => window.__bench.text().match(/Showing[^.]*?cases/)?.[0] ?? null);

/**
 * A cold start: a freshly launched browser opens the app with no server. Returns
 * milliseconds from navigation start to the unlock screen, and from the PIN's
 * submission to the list counting all `cases` (or, when the app opens unlocked, from
 * navigation start to that list).
 */
export async function coldStart(page, baseURL, cases) {
  await page.goto(`${baseURL}/`, { waitUntil: 'commit' });
  await watch(page, 'listed', (n) => window.__bench.siteCount() >= n, cases);
  await watch(page, 'locked', () => /Portal Desk is locked/.test(window.__bench.text()));
  const locked = page.getByRole('heading', { name: 'Portal Desk is locked', level: 1 });
  const pinInstead = page.getByRole('link', { name: 'Unlock with a PIN instead' });
  const cases_ = page.getByRole('heading', { name: 'Cases', level: 1 });
  await locked.or(pinInstead).or(cases_).first().waitFor({ timeout: 120_000 });
  if (await cases_.isVisible()) {
    return { toLockScreenMs: null, unlockMs: null, toListMs: await mark(page, 'listed', 300_000) };
  }
  if (!(await locked.isVisible())) await pinInstead.click();
  const lockedAt = await mark(page, 'locked');
  await page.getByLabel('PIN', { exact: true }).fill(PIN);
  await page.getByRole('button', { name: 'Unlock' }).click();
  const unlockClicked = await lastClick(page);
  const listed = await mark(page, 'listed', 300_000);
  return { toLockScreenMs: lockedAt, unlockMs: listed - unlockClicked, toListMs: null };
}

/**
 * Search as you type: types `query` into the case search one character at a time and
 * times each keystroke to the later of the last change of the list it caused (the list
 * is then quiet for 150 ms) and the first painted frame after it. Returns the times.
 */
export async function searchAsYouType(page, query) {
  const box = page.getByLabel('Search by patient name, NHS number or case reference');
  await box.fill('');
  await box.focus();
  const times = [];
  for (const key of query) {
    await page.evaluate(() => {
      const b = window.__bench;
      b.lastChange = null;
      b.observer?.disconnect();
      b.observer = new MutationObserver(() => { b.lastChange = performance.now(); });
      b.observer.observe(document.querySelector('main') ?? document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.keyboard.press(key);
    const ms = await page.evaluate(async () => {
      const b = window.__bench;
      const down = b.keys.at(-1);
      // Quiet for 150 ms: the list has settled.
      for (;;) {
        const seen = b.lastChange;
        await new Promise((r) => setTimeout(r, 150));
        if (b.lastChange === seen) break;
      }
      b.observer.disconnect();
      return Math.max(b.lastChange ?? 0, b.keyFrames.at(-1) ?? 0) - down;
    });
    times.push(ms);
  }
  return times;
}

/** The first `count` case rows' paths, from the list on screen. */
export async function caseLinks(page, count) {
  return page.evaluate((n) => [...document.querySelectorAll('main a[href^="/cases/"]')].slice(0, n).map((a) => a.getAttribute('href')), count);
}

/** Opens a case from the list by clicking its row; milliseconds to its heading and note form. */
export async function openCaseFromList(page, href) {
  const name = await page.evaluate((h) => document.querySelector(`main a[href="${h}"]`).textContent.trim(), href);
  await watch(page, 'opened', (n) => {
    const h1 = document.querySelector('h1');
    return h1 && h1.textContent.includes(n) && document.querySelector('textarea, [id="note"]');
  }, name);
  await page.locator(`main a[href="${href}"]`).click();
  const clicked = await lastClick(page);
  return (await mark(page, 'opened')) - clicked;
}

/** Goes to a path inside the app without reloading it (as its own links do). */
export async function goInApp(page, path) {
  await page.evaluate((p) => {
    history.pushState({}, '', p);
    dispatchEvent(new PopStateEvent('popstate', { state: {} }));
  }, path);
}

/**
 * Adds a note to the open case. Returns milliseconds from the click to the change being
 * durable (the app's `portal-desk:durable` mark, left as the transaction that holds the
 * change and its outbox entry commits) and to the note on screen in the timeline.
 */
export async function addNote(page, text) {
  await page.getByLabel('Add a note').fill(text);
  await watch(page, 'note', (t) => window.__bench.shown(t), text);
  await page.getByRole('button', { name: 'Add note' }).click();
  const clicked = await lastClick(page);
  const shown = (await mark(page, 'note', 60_000)) - clicked;
  const durable = await page.evaluate(() => performance.getEntriesByName('portal-desk:durable', 'mark').at(-1)?.startTime ?? NaN);
  return { durable: durable - clicked, shown };
}

/** Waits, on a case page, until `h1` holds `name` and the note form is there. */
export async function waitForCase(page, name) {
  await page.getByRole('heading', { name, level: 1 }).waitFor({ timeout: 60_000 });
  await page.getByLabel('Add a note').waitFor({ timeout: 60_000 });
}

/**
 * The memory the app holds now, in MB: the JS heap in use (Chromium's own count, by the
 * DevTools protocol, after a garbage collection) and the WebAssembly linear memory
 * (which only grows; it is where the decrypted records live).
 */
export async function memoryUse(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  await cdp.detach();
  const jsHeap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
  const wasm = await page.evaluate(() => window.__bench.wasmMemory?.buffer.byteLength ?? NaN);
  return { jsHeapMB: jsHeap / 1e6, wasmMB: wasm / 1e6 };
}
