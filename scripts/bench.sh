#!/usr/bin/env bash
# Runs Portal Desk's benchmarks and prints their tables: the core's merge and
# service-level benchmark, the sync server's ingest/pull benchmark when it exists, and
# the app shell's gzipped size. Figures and method belong in BENCHMARKS.md; this machine
# is noisy, so every timing row is a median of several runs.

source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

say "Core: merge 100,000 operations into 10,000 cases; service levels for 10,000 cases"
cargo bench --quiet -p portal-desk-core --bench merge

if [ -f crates/portal-desk-server/benches/sync.rs ]; then
  say "Server: operations ingested and served per second, sync-round latency"
  cargo bench --quiet -p portal-desk-server --bench sync
fi

setup_build
build_app
say "App shell size (gzipped)"
bash scripts/bundle-size.sh || true
