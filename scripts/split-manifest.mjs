// Reads which files each wasm chunk of a split build needs, from the chunk loader that
// wasm-split-cli writes (`__wasm_split.js`): scripts/bundle-size.mjs sizes the stages a
// tablet loads with it, and scripts/build-wasm.sh asks it which files the first screen
// needs, to preload them from index.html.
//
//   node scripts/split-manifest.mjs <folder with __wasm_split.js> <chunk> <url prefix>
//
// prints one <link rel="preload"> per file that chunk needs (its own and the shared
// chunks it imports), each under the URL prefix.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Each chunk's files, relative to the loader's folder: a map from the chunk's name (the
 * first argument of its `split_fn!`) to the set of files it needs.
 */
export function chunkFiles(dir) {
  const loader = readFileSync(join(dir, '__wasm_split.js'), 'utf8');
  // Shared chunks: `const __chunk_3 = makeLoad(() => { const src = fetch(new URL("./chunk_3_x.wasm" …`.
  const shared = new Map(
    [...loader.matchAll(/const (__chunk_\d+) = makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/([^"]+)"/g)].map(
      (m) => [m[1], m[2]],
    ),
  );
  // Named chunks: `export const __wasm_split_load_<name> = wrapAsyncCb(makeLoad(() => { … "./split_<name>.wasm" …, [__chunk_3, …]`.
  const named = loader.matchAll(
    /export const __wasm_split_load_(\w+) = wrapAsyncCb\(makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/([^"]+)".*?\n, \[([^\]]*)\]/gs,
  );
  return new Map(
    [...named].map((m) => {
      const needs = m[3].split(',').map((c) => c.trim()).filter(Boolean);
      for (const c of needs) if (!shared.has(c)) throw new Error(`the chunk loader names ${c} but never defines it`);
      return [m[1], new Set([m[2], ...needs.map((c) => shared.get(c))])];
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, chunk, prefix] = process.argv.slice(2);
  if (!dir || !chunk || prefix === undefined) {
    console.error('usage: node scripts/split-manifest.mjs <folder with __wasm_split.js> <chunk> <url prefix>');
    process.exit(2);
  }
  const files = chunkFiles(dir).get(chunk);
  if (!files) throw new Error(`the chunk loader in ${dir} names no "${chunk}" chunk`);
  // `as="fetch"` with `crossorigin`: the loader fetches each file in cors mode, and a
  // preload is only reused by a request of the same mode.
  for (const file of [...files].sort()) {
    process.stdout.write(`<link rel="preload" href="${prefix}${file}" as="fetch" type="application/wasm" crossorigin>`);
  }
}
