#!/usr/bin/env bash
# Trunk pre_build hook: compiles style/app.scss (the NHS design system's parts the app
# uses, then the app's screens) with npm's sass into target/style/app.css, which
# index.html links. Trunk's own sass download fails offline, so it is not used.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sass="$ROOT/node_modules/.bin/sass"
if [[ ! -x "$sass" || ! -d "$ROOT/node_modules/nhsuk-frontend" ]]; then
  echo "build-css: sass or nhsuk-frontend is missing; run 'npm ci' in $ROOT (scripts/setup.sh does)" >&2
  exit 1
fi
mkdir -p "$ROOT/target/style"
"$sass" --load-path="$ROOT/node_modules" --style=compressed --no-source-map \
  "$ROOT/style/app.scss" "$ROOT/target/style/app.css"
