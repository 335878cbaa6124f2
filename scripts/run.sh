#!/usr/bin/env bash
# The README's run command: installs what is missing, builds the PWA and the server, and
# starts the server with an embedded SQLite database and demo data on http://127.0.0.1:8080.
# Settings come from the environment (see README.md): PORTAL_DESK_LISTEN,
# PORTAL_DESK_DATABASE_URL, PORTAL_DESK_STATIC_DIR.

source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

setup_build
build_app
say "Building the server (cargo build --release)"
(cd "$ROOT" && cargo build --release --quiet -p portal-desk-server)

export PORTAL_DESK_LISTEN="${PORTAL_DESK_LISTEN:-127.0.0.1:8080}"
export PORTAL_DESK_DATABASE_URL="${PORTAL_DESK_DATABASE_URL:-sqlite://$ROOT/data/portal-desk.db}"
export PORTAL_DESK_STATIC_DIR="${PORTAL_DESK_STATIC_DIR:-$ROOT/dist}"
mkdir -p "$ROOT/data"
exec "${CARGO_TARGET_DIR:-$ROOT/target}/release/portal-desk-server" serve --demo
