// Prints what a tablet downloads, gzipped, in the stages a person meets them, and fails
// when any stage is over its budget: a size is deterministic, so this check belongs in
// the tests (BENCHMARKS.md, "App shell size", says what each stage holds and why).
//
//   node scripts/bundle-size.mjs [dist]
//
// The stages come from the built files themselves: index.html names the app shell (the
// stylesheets, the main wasm module and its JS), and the chunk loader that
// scripts/build-wasm.sh writes (`__wasm_split.js`, read by split-manifest.mjs) names, for
// every chunk the code is split into, the files it needs.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chunkFiles } from './split-manifest.mjs';

// Regression guards at the sizes of 4 December plus about 2% (the issue-9 target for the
// app shell is 250 KB), after signed changes and the supervisor's held-changes screen
// added 7 KB to the first screen and 28 KB to everything (BENCHMARKS.md, "Trust"). Lower
// them as the app shrinks; raise one only with a feature, and say in BENCHMARKS.md what
// grew and by how much.
const BUDGETS = {
  shell: Number(process.env.PORTAL_DESK_SHELL_BUDGET_BYTES ?? 205_000),
  firstScreen: Number(process.env.PORTAL_DESK_FIRST_SCREEN_BUDGET_BYTES ?? 368_000),
  day: Number(process.env.PORTAL_DESK_DAY_BUDGET_BYTES ?? 874_000),
  everything: Number(process.env.PORTAL_DESK_EVERYTHING_BUDGET_BYTES ?? 1_064_000),
};

const dist = process.argv[2] ?? join(import.meta.dirname, '..', 'dist');
const gzipped = new Map();
const size = (path) => {
  if (!gzipped.has(path)) gzipped.set(path, gzipSync(readFileSync(join(dist, path)), { level: 9 }).length);
  return gzipped.get(path);
};
const total = (paths) => [...paths].reduce((sum, path) => sum + size(path), 0);

// The shell: the stylesheets and the module script index.html loads, the JS that module
// imports (wasm-bindgen's snippets and the chunk loader), its wasm, and the worker.
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const stylesheets = [...html.matchAll(/<link rel="stylesheet" href="\/([^"]+)"/g)].map((m) => m[1]);
const main = html.match(/import init from '\/([^']+\.js)'/)?.[1];
if (!main) throw new Error(`${dist}/index.html does not start the app (no "import init from …")`);
const appDir = main.slice(0, main.lastIndexOf('/'));
const filesUnder = (dir) =>
  readdirSync(join(dist, dir)).flatMap((name) =>
    statSync(join(dist, dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)],
  );
const appFiles = filesUnder(appDir);
const shell = new Set([
  ...stylesheets,
  'sw.js',
  ...appFiles.filter((f) => f.endsWith('.js')),
  html.match(/module_or_path: '\/([^']+\.wasm)'/)[1],
]);

// Each chunk and the files it needs (its own and the shared chunks it imports).
const chunks = new Map(
  [...chunkFiles(join(dist, appDir))].map(([name, files]) => [name, new Set([...files].map((f) => join(appDir, f)))]),
);
for (const name of ['locked', 'desk', 'sync_engine']) {
  if (!chunks.has(name)) throw new Error(`the chunk loader names no "${name}" chunk: was the app built split?`);
}
const withChunks = (...names) => new Set([...shell, ...names.flatMap((name) => [...chunks.get(name)])]);
const everything = new Set([...shell, ...appFiles.filter((f) => f.endsWith('.wasm'))]);

const stages = [
  ['shell', 'app shell (every start: styles, JS, main wasm)', shell],
  ['firstScreen', '+ the sign-in and unlock screens', withChunks('locked')],
  ['day', "+ a day's work (case list, cases, sync engine)", withChunks('locked', 'desk', 'sync_engine')],
  ['everything', '+ supervisor, admin and kiosk screens (all)', everything],
];
const row = (a, b, c, d) => `${a.padEnd(50)} ${String(b).padStart(7)} ${String(c).padStart(9)} ${d}`;
console.log(row('stage', 'files', 'gzip B', 'budget'));
const over = [];
for (const [key, label, files] of stages) {
  const bytes = total(files);
  console.log(row(label, files.size, bytes, BUDGETS[key]));
  if (bytes > BUDGETS[key]) over.push(`${label}: ${bytes} B, over its ${BUDGETS[key]} B budget`);
}
console.log('\nchunks, gzipped with the shared chunks each needs:');
for (const [name, files] of [...chunks].sort()) console.log(row(`  ${name}`, files.size, total(files), ''));
if (over.length) {
  console.error(`\n${over.join('\n')}\nFind what grew (twiggy top on the wasm in ${appDir}) before raising a budget.`);
  process.exit(1);
}
