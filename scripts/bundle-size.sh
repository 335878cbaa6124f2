#!/usr/bin/env bash
# Prints the gzipped size of what a tablet loads, stage by stage (the app shell, the
# first screen, a day's work, everything), and fails when a stage is over its budget;
# scripts/bundle-size.mjs has the stages and the budgets.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec node "$ROOT/scripts/bundle-size.mjs" "$ROOT/dist"
