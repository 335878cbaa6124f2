#!/usr/bin/env bash
# The README's test command: installs what is missing, then runs every check and test —
# formatting, lints (native and wasm), native tests, wasm tests in headless Chromium, the
# release build with its size budget, and the Playwright suite against a server started
# here on a free port with a throwaway database.

source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

setup_build
setup_browser
setup_e2e

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy (native, every target)"
cargo clippy --workspace --all-targets --quiet -- -D warnings
say "cargo clippy (the app, for wasm)"
cargo clippy -p portal-desk --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings

say "Native tests"
cargo test --workspace

say "wasm tests in headless Chromium"
CHROMEDRIVER=/usr/bin/chromedriver cargo test -p portal-desk --target wasm32-unknown-unknown

build_app
say "App shell size"
bash scripts/bundle-size.sh

say "Building the server for the end-to-end tests"
cargo build --quiet -p portal-desk-server

WORK="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
SERVER_LOG="$WORK/server.log"
"$ROOT/target/debug/portal-desk-server" serve --demo \
  --listen "127.0.0.1:$PORT" \
  --database-url "sqlite://$WORK/e2e.db" \
  --static-dir "$ROOT/dist" >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
cleanup() { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$SERVER_LOG" >&2; echo "The server did not start." >&2; exit 1; }
  sleep 0.2
done

say "End-to-end tests (Playwright, Debian Chromium) against http://127.0.0.1:$PORT"
set +e
(cd e2e && PORTAL_DESK_BASE_URL="http://127.0.0.1:$PORT" npx playwright test)
status=$?
set -e
if [ "$status" != 0 ]; then
  echo "--- server log (last 60 lines) ---" >&2
  tail -n 60 "$SERVER_LOG" >&2
fi
exit "$status"
