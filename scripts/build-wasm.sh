#!/usr/bin/env bash
# Trunk post_build hook: builds the app's WebAssembly split into chunks, puts it in the
# staged build, starts it from index.html, then lists every file for the service worker.
#
# Trunk's own Rust pipeline cannot split a module, so this does what it would, with one
# step more (see src/lazy.rs):
#   1. cargo builds the app with the `split` feature, the linker keeping relocations;
#   2. wasm-split-cli cuts the module at every split_fn! into a main module and chunks;
#   3. wasm-bindgen writes the JS glue for the main module (keeping the linker's
#      exports, which the chunks import);
#   4. wasm-opt -Oz shrinks every module;
#   5. the files go into the staged build under app-<hash of them all>/, so a new build
#      never reuses an old build's URLs and each build's files are cached for ever.
# PORTAL_DESK_WASM_NAMES=1 keeps function names in the wasm (for the profilers in bench/).
# Trunk sets TRUNK_STAGING_DIR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
staging="${TRUNK_STAGING_DIR:?Trunk sets TRUNK_STAGING_DIR for post_build hooks}"
target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
name=portal-desk
work="$target_dir/wasm-split"
# wasm-opt's features: what rustc 1.95 emits for wasm32-unknown-unknown.
opt=(-Oz)
[ "${PORTAL_DESK_WASM_NAMES:-0}" = 1 ] && opt+=(-g)
features=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-reference-types
  --enable-sign-ext --enable-mutable-globals --enable-multivalue)

# The rustflags of .cargo/config.toml (erase_components) and the relocations wasm-split
# needs; RUSTFLAGS replaces the config's, so both are named here.
RUSTFLAGS="--cfg erase_components -Clink-args=--emit-relocs" \
  cargo build --quiet --release --locked --target wasm32-unknown-unknown --bin "$name" --features split \
  --manifest-path "$ROOT/Cargo.toml"

rm -rf "$work"
mkdir -p "$work/split" "$work/bindgen" "$work/out"
wasm-split-cli "$target_dir/wasm32-unknown-unknown/release/$name.wasm" "$work/split" --out-name "$name" >/dev/null
wasm-bindgen --target web --keep-lld-exports --no-typescript \
  --out-dir "$work/bindgen" --out-name "$name" "$work/split/$name.wasm"

# wasm-split leaves a kind of name subsection (id 3) that wasm-opt does not know and warns
# about, once per module; it drops it either way.
shrink() { wasm-opt "${opt[@]}" "${features[@]}" "$1" -o "$2" 2> >(grep -v 'unknown name subsection' >&2); }
shrink "$work/bindgen/${name}_bg.wasm" "$work/out/${name}_bg.wasm"
for chunk in "$work"/split/*.wasm; do
  [ "$(basename "$chunk")" = "$name.wasm" ] && continue
  shrink "$chunk" "$work/out/$(basename "$chunk")"
done
cp "$work/bindgen/$name.js" "$work/split/__wasm_split.js" "$work/out/"
cp -r "$work/bindgen/snippets" "$work/out/"

build="$(cd "$work/out" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)"
dir="app-$build"
mkdir -p "$staging/$dir"
cp -r "$work/out/." "$staging/$dir/"

# Start the app from index.html: preload the main module and its glue, and the chunks of
# the first screen every start shows (unlock or sign-in), which the main module would
# otherwise ask for only once it runs; then run it.
boot="<link rel=\"modulepreload\" href=\"/$dir/$name.js\">"
boot+="<link rel=\"preload\" href=\"/$dir/${name}_bg.wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin>"
boot+="$(node "$ROOT/scripts/split-manifest.mjs" "$work/out" locked "/$dir/")"
boot+="<script type=\"module\">import init from '/$dir/$name.js'; init({ module_or_path: '/$dir/${name}_bg.wasm' });</script>"
index="$staging/index.html"
grep -q '<!-- portal-desk:wasm -->' "$index" || {
  echo "build-wasm: $index has no <!-- portal-desk:wasm --> placeholder" >&2
  exit 1
}
tmp="$(mktemp)"
while IFS= read -r line || [[ -n "$line" ]]; do
  case "$line" in
    # The link that only told Trunk to leave the Rust app to this script.
    *data-trunk-skip*) ;;
    *) printf '%s\n' "${line/<!-- portal-desk:wasm -->/$boot}" ;;
  esac
done < "$index" > "$tmp"
mv "$tmp" "$index"
chmod 644 "$index"
echo "build-wasm: $(find "$staging/$dir" -name '*.wasm' | wc -l) wasm modules in /$dir"

bash "$ROOT/scripts/sw-precache.sh"
