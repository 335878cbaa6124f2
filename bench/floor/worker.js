// The write floor's worker: makes the write when the page asks, and answers with the
// moment (absolute ms) the database said it was committed.
importScripts('write.js');
openFloor().then((db) => {
  postMessage('ready');
  onmessage = () => writeOnce(db, () => postMessage(performance.timeOrigin + performance.now()));
});
