#!/usr/bin/env bash
# The README's test command: installs what is missing, then runs every check and test —
# formatting, lints (native and wasm), native tests (the server's on SQLite, then again on
# a private PostgreSQL), wasm tests in headless Chromium, the
# release build with its size budget, and the Playwright suite (each spec starts its own
# server on a free port with a throwaway database).

source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

# A one-shot run gains nothing from incremental caches, which cost gigabytes of disk.
export CARGO_INCREMENTAL=0

setup_build
setup_browser
setup_e2e
setup_postgres

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy (native, every target)"
cargo clippy --workspace --all-targets --quiet -- -D warnings
say "cargo clippy (the app, for wasm)"
cargo clippy -p portal-desk --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings
say "cargo clippy (the app, for wasm, split into chunks as the release build is)"
cargo clippy -p portal-desk --target wasm32-unknown-unknown --features split --quiet -- -D warnings

say "Native tests"
cargo test --workspace

say "Server tests again, on PostgreSQL"
source scripts/postgres.sh
if [ -z "${PORTAL_DESK_TEST_POSTGRES_URL:-}" ]; then
  pg_private_start
  trap pg_private_stop EXIT
  say "Started a private PostgreSQL at $PORTAL_DESK_TEST_POSTGRES_URL"
fi
cargo test -p portal-desk-server
if [ -n "$PG_DIR" ]; then pg_private_stop; trap - EXIT; fi
unset PORTAL_DESK_TEST_POSTGRES_URL

say "wasm tests in headless Chromium"
CHROMEDRIVER=/usr/bin/chromedriver cargo test -p portal-desk --target wasm32-unknown-unknown

build_app
say "App shell size, stage by stage"
bash scripts/bundle-size.sh

say "Building the server for the end-to-end tests"
cargo build --quiet -p portal-desk-server

say "End-to-end tests (Playwright, Debian Chromium); each spec starts its own server"
export PORTAL_DESK_SERVER_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/portal-desk-server"
export PORTAL_DESK_STATIC_DIR="$ROOT/dist"
mkdir -p e2e/screenshots
(cd e2e && npx playwright test)
