#!/usr/bin/env bash
# Lighthouse scores for Portal Desk: performance, accessibility and best practices, on a
# phone-sized screen with Lighthouse's simulated slow network (its default) and on a
# desktop screen. A benchmark, not a test: scores move with the machine's load, so it is
# not part of scripts/test.sh; record the figures in BENCHMARKS.md.
#
#   bash scripts/lighthouse.sh [URL]
#
# With a URL it measures that running app; without one it starts the debug server on a
# free port with a throwaway SQLite database, demo data and the built app in dist/
# (PORTAL_DESK_STATIC_DIR and PORTAL_DESK_SERVER_BIN override them). Lighthouse runs
# Debian's Chromium (CHROME_PATH, default /usr/bin/chromium). RUNS (default 3) runs per
# form factor; the table shows the median of each score.
#
# Lighthouse lives in scripts/lighthouse/ with its own lock file: 12.8.x, the newest line
# whose engines allow Node 20 (13.x needs Node 22.19).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LH_DIR="$ROOT/scripts/lighthouse"
RUNS="${RUNS:-3}"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"

if [[ ! -x "$LH_DIR/node_modules/.bin/lighthouse" ]]; then
  echo "Installing Lighthouse into scripts/lighthouse (npm ci)…" >&2
  (cd "$LH_DIR" && npm ci --no-audit --no-fund --silent)
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

url="${1:-}"
if [[ -z "$url" ]]; then
  server="${PORTAL_DESK_SERVER_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/portal-desk-server}"
  static="${PORTAL_DESK_STATIC_DIR:-$ROOT/dist}"
  [[ -x "$server" ]] || { echo "No server at $server: run cargo build -p portal-desk-server" >&2; exit 1; }
  [[ -f "$static/index.html" ]] || { echo "No built app in $static: run trunk build --release" >&2; exit 1; }
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  "$server" serve --demo --listen "127.0.0.1:$port" --database-url "sqlite://$work/lighthouse.db" \
    --static-dir "$static" >"$work/server.log" 2>&1 &
  server_pid=$!
  url="http://127.0.0.1:$port/"
  for _ in $(seq 100); do
    curl -fsS "${url}healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fsS "${url}healthz" >/dev/null || { cat "$work/server.log" >&2; exit 1; }
fi

flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run"
for form in mobile desktop; do
  preset=()
  [[ "$form" == desktop ]] && preset=(--preset=desktop)
  for run in $(seq "$RUNS"); do
    "$LH_DIR/node_modules/.bin/lighthouse" "$url" "${preset[@]}" --quiet \
      --chrome-flags="$flags --user-data-dir=$work/profile-$form-$run" \
      --only-categories=performance,accessibility,best-practices \
      --output=json --output-path="$work/$form-$run.json"
  done
done

node - "$work" "$RUNS" "$url" <<'EOF'
const fs = require('fs');
const [dir, runs, url] = process.argv.slice(2);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const categories = ['performance', 'accessibility', 'best-practices'];
const audits = ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift'];
console.log(`Lighthouse ${JSON.parse(fs.readFileSync(`${dir}/mobile-1.json`)).lighthouseVersion} on ${url}, median of ${runs} runs\n`);
console.log(`| form factor | ${categories.join(' | ')} | FCP ms | LCP ms | TBT ms | CLS |`);
console.log(`| --- | ${categories.map(() => '---:').join(' | ')} | ---: | ---: | ---: | ---: |`);
const notes = [];
for (const form of ['mobile', 'desktop']) {
  const reports = Array.from({ length: Number(runs) }, (_, i) => JSON.parse(fs.readFileSync(`${dir}/${form}-${i + 1}.json`)));
  const scores = categories.map((c) => median(reports.map((r) => Math.round((r.categories[c].score ?? 0) * 100))));
  const figures = audits.map((a) => median(reports.map((r) => r.audits[a].numericValue ?? NaN)));
  const shown = figures.map((v, i) => (i === 3 ? v.toFixed(3) : Math.round(v)));
  console.log(`| ${form} | ${scores.join(' | ')} | ${shown.join(' | ')} |`);
  const failing = new Set();
  for (const r of reports) for (const c of categories) for (const ref of r.categories[c].auditRefs)
    if (ref.weight > 0 && r.audits[ref.id].score !== null && r.audits[ref.id].score < 0.9) failing.add(`${c}: ${ref.id}`);
  if (failing.size) notes.push(`${form}: audits scoring below 90 in some run: ${[...failing].sort().join(', ')}`);
}
if (notes.length) console.log(`\n${notes.join('\n')}`);
EOF
