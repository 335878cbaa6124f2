#!/usr/bin/env bash
# Runs Portal Desk's benchmarks and prints their tables: the core's merge and
# service-level benchmark, the sync server's ingest, pull and sync-round benchmark on
# SQLite and on PostgreSQL, a burst of sign-ins, and the app shell's gzipped size. Figures and method belong in BENCHMARKS.md; this machine
# is noisy, so every timing row is a median of several runs.

source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

say "Core: merge 100,000 operations into 10,000 cases; service levels for 10,000 cases"
cargo bench --quiet -p portal-desk-core --bench merge

say "Server on SQLite: operations ingested and served per second, sync-round latency"
cargo run --quiet --release -p portal-desk-server --example bench

say "Server on PostgreSQL (a private cluster on a free port)"
setup_postgres
source scripts/postgres.sh
pg_private_start
trap pg_private_stop EXIT
cargo run --quiet --release -p portal-desk-server --example bench -- "$PORTAL_DESK_TEST_POSTGRES_URL"
pg_private_stop
trap - EXIT

say "Sign-in burst: 1,000 concurrent sign-ins, 20 of them real people (release server)"
cargo build --quiet --release -p portal-desk-server --bin portal-desk-server
node bench/sign-in-burst.mjs "${CARGO_TARGET_DIR:-$ROOT/target}/release/portal-desk-server" --runs 3

setup_build
build_app
say "App shell size (gzipped)"
bash scripts/bundle-size.sh || true
