#!/usr/bin/env bash
# Issue 9's benchmark: generates a large site (10,000 patients, 10,000 cases, 60,000
# checklist steps, 50,000 notes), then measures, in Debian's headless Chromium against a
# local server, the real app's first sync, cold start offline, unlock, search as you
# type, opening a case, local writes and the 1,000-edit offline catch-up, and the same
# records replicated by PouchDB to pouchdb-server in the same run; prints one table of
# medians with the ratios, then the app shell's gzipped size. Figures go in BENCHMARKS.md.
#
#   bash scripts/bench-large-site.sh
#   BENCH_RUNS=5 bash scripts/bench-large-site.sh           # more runs (default 3)
#   LARGE_SITE_CASES=1000 BENCH_RUNS=1 bash scripts/bench-large-site.sh   # a quick try

source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

setup_build
setup_browser
build_app
say "Building the server and the large-site generator (release)"
cargo build --quiet --release -p portal-desk-server --bin portal-desk-server --example large_site
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"

say "Installing the benchmark's packages (Playwright, PouchDB, pouchdb-server)"
npm_ci_if_changed "$ROOT/bench" "benchmark packages"
(cd bench && npx esbuild pouchdb-entry.mjs --bundle --minify --format=iife --log-level=warning --outfile=build/pouchdb.js)

SITE_DIR="$(mktemp -d /tmp/portal-desk-large-site.XXXXXX)"
trap 'rm -rf "$SITE_DIR"' EXIT
say "Generating the large site"
"$TARGET/release/examples/large_site" "$SITE_DIR/site.db" "$SITE_DIR/docs.ndjson"

# A private copy of the app, so that a colleague's rebuild of dist/ mid-run changes nothing.
cp -r "$ROOT/dist" "$SITE_DIR/dist"

say "Measuring (${BENCH_RUNS:-3} runs)"
(cd bench && PORTAL_DESK_SERVER_BIN="$TARGET/release/portal-desk-server" PORTAL_DESK_STATIC_DIR="$SITE_DIR/dist" \
  BENCH_SITE_DB="$SITE_DIR/site.db" BENCH_SITE_DOCS="$SITE_DIR/docs.ndjson" node large-site.mjs)

say "App shell size (gzipped)"
bash scripts/bundle-size.sh || true
