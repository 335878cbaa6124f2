#!/usr/bin/env bash
# Installs what Portal Desk needs to build and test, idempotently: each step checks first
# and installs only what is missing, so a warm machine passes through in seconds.
# Sourced by run.sh and test.sh; call `setup_build`, `setup_browser`, `setup_e2e`.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRUNK_VERSION_REQ='~0.21'
# Cuts the app's wasm into chunks (scripts/build-wasm.sh); the 0.2 line matches the
# wasm_split_helpers 0.2 that leptos's split points are written with.
WASM_SPLIT_VERSION='0.2.4'
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Root installs packages directly; anyone else goes through sudo.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

APT_UPDATED=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "Installing Debian packages: ${missing[*]}"
  if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The wasm-bindgen version the app is locked to; the CLI must match it exactly.
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

setup_build() {
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown || {
    say "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  }
  setup_build_tools
  if ! trunk --version 2>/dev/null | grep -q '^trunk 0\.21\.'; then
    say "Building Trunk $TRUNK_VERSION_REQ (about 6 minutes, once)"
    cargo install trunk --version "$TRUNK_VERSION_REQ" --locked --quiet
  fi
  # The CLI prints no version; cargo's list of installed packages does.
  if ! { command -v wasm-split-cli >/dev/null && cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:"; }; then
    say "Building wasm-split-cli $WASM_SPLIT_VERSION (about 2 minutes, once)"
    cargo install wasm_split_cli_support --version "=$WASM_SPLIT_VERSION" --features build-binary --locked --force --quiet
  fi
  (cd "$ROOT" && [ -f Cargo.lock ] || cargo generate-lockfile --quiet)
  local want
  want="$(locked_wasm_bindgen_version)"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    # Not --locked: the CLI's own lock file names a crate version the registry mirror lacks.
    say "Building wasm-bindgen-cli $want to match Cargo.lock (about 2 minutes, once)"
    cargo install wasm-bindgen-cli --version "$want" --force --quiet
  fi
}

# npm's binaryen gives the build a wasm-opt (version 132) it need not download. Debian's
# binaryen 108 is too old: it mangles the reference-types tables that rustc 1.95 and
# wasm-bindgen 0.2.130 emit, and the built app fails to start.
setup_build_tools() {
  command -v npm >/dev/null || apt_install nodejs npm
  npm_ci_if_changed "$ROOT" "build tools"
}

# Runs `npm ci` in a folder unless its node_modules already match its package-lock.json.
npm_ci_if_changed() {
  local dir="$1" what="$2" stamp="$1/node_modules/.installed-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
    say "Installing the $what (npm ci)"
    (cd "$dir" && npm ci --no-fund --no-audit --loglevel=error)
    cp "$dir/package-lock.json" "$stamp"
  fi
}

# zbar-tools decodes the activation QR code in the end-to-end tests, as a phone camera would.
setup_browser() {
  apt_install chromium chromium-driver zbar-tools
}

setup_postgres() {
  apt_install postgresql
}

setup_e2e() {
  command -v npm >/dev/null || apt_install nodejs npm
  npm_ci_if_changed "$ROOT/e2e" "end-to-end test packages"
}

# Hash of everything the PWA build reads, so an unchanged app is not rebuilt.
app_inputs_hash() {
  (cd "$ROOT" && find src crates/portal-desk-core public style index.html Trunk.toml Cargo.toml Cargo.lock package-lock.json scripts/sw-precache.* scripts/build-css.sh scripts/build-wasm.sh scripts/split-manifest.mjs \
      -type f -not -path '*/target/*' 2>/dev/null | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
}

# Builds the PWA into dist/ in release mode unless dist/ already holds a build of these inputs.
build_app() {
  local hash stamp="$ROOT/dist/.inputs-hash"
  hash="$(app_inputs_hash)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
    say "The app in dist/ is up to date"
    return 0
  fi
  say "Building the app (trunk build --release)"
  (cd "$ROOT" && trunk build --release)
  echo "$hash" > "$stamp"
}
