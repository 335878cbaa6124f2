// The PouchDB side of the comparison: the same records as CouchDB-style documents in
// pouchdb-server, replicated into PouchDB (npm pouchdb-browser) in the same Chromium.
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** Loads the generated documents into a new database on pouchdb-server (not timed). */
export async function loadDocs(serverURL, db, docsPath) {
  const url = `${serverURL}/${db}`;
  const created = await fetch(url, { method: 'PUT' });
  if (!created.ok) throw new Error(`create ${db}: ${created.status} ${await created.text()}`);
  let batch = [];
  let count = 0;
  const send = async () => {
    const response = await fetch(`${url}/_bulk_docs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ docs: batch }),
    });
    if (!response.ok) throw new Error(`_bulk_docs: ${response.status} ${await response.text()}`);
    count += batch.length;
    batch = [];
  };
  for await (const line of createInterface({ input: createReadStream(docsPath) })) {
    if (!line) continue;
    batch.push(JSON.parse(line));
    if (batch.length === 1000) await send();
  }
  if (batch.length) await send();
  return count;
}

/** Opens a page on pouchdb-server's own origin (so no CORS is involved) with PouchDB loaded. */
export async function openPouchPage(page, serverURL, bundlePath) {
  await page.goto(`${serverURL}/`);
  await page.addScriptTag({ content: readFileSync(bundlePath, 'utf8') });
  await page.waitForFunction(() => typeof window.PouchDB === 'function');
}

/** First sync: replicates the whole remote database into an empty local one. */
export async function pouchFirstSync(page, serverURL, db) {
  return page.evaluate(async ([remote, name]) => {
    window.local = new window.PouchDB(name);
    const started = performance.now();
    const result = await window.local.replicate.from(remote);
    const ms = performance.now() - started;
    return { ms, docs: result.docs_written, local: (await window.local.info()).doc_count };
  }, [`${serverURL}/${db}`, `bench-${db}`]);
}

/**
 * `edits` local writes made with no replication running, spread over `cases` documents
 * (each adds a note to the document's timeline, as the app does); returns each write's
 * milliseconds.
 */
export async function pouchOfflineEdits(page, ids, perDoc, tag) {
  return page.evaluate(async ([docIds, n, label]) => {
    const times = [];
    for (const id of docIds) {
      for (let i = 0; i < n; i += 1) {
        const started = performance.now();
        const doc = await window.local.get(id);
        const text = `${label} ${id} ${i}`;
        doc.timeline.push({ op: `${label}-${id}-${i}`, clock: { wall_ms: Date.now(), counter: 0, device: 'pouch' }, by: 'bench', text });
        await window.local.put(doc);
        times.push(performance.now() - started);
      }
    }
    return times;
  }, [ids, perDoc, tag]);
}

/** Pushes the local changes to the server; milliseconds until it has them. */
export async function pouchPush(page, serverURL, db) {
  return page.evaluate(async (remote) => {
    const started = performance.now();
    const result = await window.local.replicate.to(remote);
    return { ms: performance.now() - started, docs: result.docs_written };
  }, `${serverURL}/${db}`);
}

/** The second tablet pulls what changed and checks it holds the last note; milliseconds. */
export async function pouchCatchUp(page, serverURL, db, id, text) {
  return page.evaluate(async ([remote, docId, expected]) => {
    const started = performance.now();
    const result = await window.local.replicate.from(remote);
    const doc = await window.local.get(docId);
    const ms = performance.now() - started;
    if (!doc.timeline.some((e) => e.text === expected)) throw new Error(`${docId} lacks "${expected}"`);
    return { ms, docs: result.docs_written };
  }, [`${serverURL}/${db}`, id, text]);
}
