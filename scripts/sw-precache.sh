#!/usr/bin/env bash
# Trunk post_build hook: writes the list of built files (with their hashed names) into
# the staged service worker, and names its cache after a hash of the build, so every
# new build installs a fresh app shell and the old one is cleaned up on activate.
# Uses only bash and coreutils. Trunk sets TRUNK_STAGING_DIR.
set -euo pipefail

staging="${TRUNK_STAGING_DIR:?Trunk sets TRUNK_STAGING_DIR for post_build hooks}"
sw="$staging/sw.js"
if [[ ! -f "$sw" ]]; then
  echo "sw-precache: $sw is missing; is public/sw.js copied by index.html?" >&2
  exit 1
fi

cd "$staging"
# Every file of the build except the worker itself, as absolute URLs, sorted so the
# list (and the build hash) is the same for the same build.
mapfile -t files < <(find . -type f ! -name sw.js -printf '/%P\n' | LC_ALL=C sort)

list='"/"'
for file in "${files[@]}"; do
  list+=", \"${file//\"/\\\"}\""
done

# The build id changes whenever any shipped file changes.
build="$(for file in "${files[@]}"; do sha256sum ".$file"; done | sha256sum | cut -c1-16)"

tmp="$(mktemp)"
while IFS= read -r line || [[ -n "$line" ]]; do
  case "$line" in
    *__PORTAL_DESK_PRECACHE__*) printf 'const PRECACHE = [%s];\n' "$list" ;;
    *'"__PORTAL_DESK_BUILD__"'*) printf '%s\n' "${line/__PORTAL_DESK_BUILD__/$build}" ;;
    *) printf '%s\n' "$line" ;;
  esac
done < "$sw" > "$tmp"
mv "$tmp" "$sw"
chmod 644 "$sw"
echo "sw-precache: ${#files[@]} files precached, build $build"
