// The PouchDB build the benchmark injects into Chromium: npm's pouchdb-browser, bundled
// by esbuild into one script that sets window.PouchDB.
import PouchDB from 'pouchdb-browser';

window.PouchDB = PouchDB;
