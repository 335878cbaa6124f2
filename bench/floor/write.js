// The write floor's transaction, shared by the page and the worker: the same five
// requests over three stores as a note the app adds from its tab's note of the counters
// (an outbox entry, an epoch probe, a marker, two counters), with values of a sealed
// note's size, strict durability, and commit() called as soon as they are issued.
const SEALED = new Uint8Array(480);
crypto.getRandomValues(SEALED);

function openFloor() {
  return new Promise((ok, fail) => {
    const open = indexedDB.open('write-floor', 1);
    open.onupgradeneeded = () => {
      const db = open.result;
      db.createObjectStore('outbox');
      db.createObjectStore('meta');
      db.createObjectStore('epochs').createIndex('by_epoch', 'epoch', { unique: true });
    };
    open.onsuccess = () => ok(open.result);
    open.onerror = () => fail(open.error);
  });
}

// Keys go on from the time, so that a page loaded again never reuses one.
let floorSeq = Date.now() * 1000;
function writeOnce(db, done) {
  const seq = ++floorSeq;
  const tx = db.transaction(['outbox', 'meta', 'epochs'], 'readwrite', { durability: 'strict' });
  tx.objectStore('outbox').add({ sealed: SEALED }, seq);
  tx.objectStore('epochs').put({ epoch: 1 }, 'probe');
  tx.objectStore('meta').add(seq, `moved/${seq}`);
  tx.objectStore('meta').put({ sealed: SEALED.subarray(0, 64) }, 'pending');
  tx.objectStore('meta').put({ sealed: SEALED.subarray(0, 96) }, 'issued');
  tx.oncomplete = done;
  tx.onabort = () => console.error(`write ${seq} aborted: ${tx.error}`);
  tx.commit();
}
