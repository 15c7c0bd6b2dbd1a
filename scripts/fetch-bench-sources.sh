#!/usr/bin/env bash
# Fetch the outside C code `npm run bench` measures (SPEC §10), into <project>/.cache/:
#
#  - .cache/sqlite/package/deps/sqlite3/sqlite3.c   the SQLite amalgamation shipped by the npm
#    package better-sqlite3 (`npm pack`, then untar; no native build).
#  - .cache/debian-src/redis, .cache/debian-src/sqlite3   Debian's source packages, fetched with
#    `apt-get source --download-only` through a scratch APT configuration (APT_CONFIG) that adds
#    `deb-src` to a copy of the system's Debian entry, then unpacked with `dpkg-source -x`.
#    The system's own apt files (sources, lists, caches) are never written.
#
# Idempotent: what is already there is reported and kept. Exit status 0 when everything is in
# place, non-zero with a message otherwise.
# Environment: FLEXOS_BENCH_CACHE overrides the cache dir (default <project>/.cache);
#              FLEXOS_BETTER_SQLITE3 the better-sqlite3 version packed (default pinned below, so
#              bench numbers stay comparable; Debian sources follow bookworm and its updates);
#              FLEXOS_APT_SOURCES names a deb822 .sources file to use instead of the system's.
# Usage: scripts/fetch-bench-sources.sh [sqlite-amalgamation] [redis] [sqlite3]   (default: all)
set -euo pipefail

say() { printf 'fetch-bench-sources: %s\n' "$*"; }
die() { printf 'fetch-bench-sources: ERROR: %s\n' "$*" >&2; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${FLEXOS_BENCH_CACHE:-$ROOT/.cache}"
BETTER_SQLITE3="${FLEXOS_BETTER_SQLITE3:-12.11.1}"
export DEBIAN_FRONTEND=noninteractive

WANT=("$@")
[ "${#WANT[@]}" -gt 0 ] || WANT=(sqlite-amalgamation redis sqlite3)
for w in "${WANT[@]}"; do
  case "$w" in sqlite-amalgamation|redis|sqlite3) ;; *) die "unknown source '$w' (expected sqlite-amalgamation, redis or sqlite3)" ;; esac
done
wants() { local w; for w in "${WANT[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }

# ---- 1. SQLite amalgamation from better-sqlite3 ------------------------------------------------
fetch_amalgamation() {
  local dir="$CACHE/sqlite" target="$CACHE/sqlite/package/deps/sqlite3/sqlite3.c"
  if [ -s "$target" ]; then
    say "sqlite amalgamation: already present ($(wc -l <"$target") lines) at $target"
    return
  fi
  command -v npm >/dev/null 2>&1 || die "npm not found: it is needed to fetch better-sqlite3 (npm pack)"
  mkdir -p "$dir"
  local tgz
  tgz="$dir/better-sqlite3-$BETTER_SQLITE3.tgz"
  if [ ! -s "$tgz" ]; then
    say "sqlite amalgamation: npm pack better-sqlite3@$BETTER_SQLITE3"
    (cd "$dir" && npm pack "better-sqlite3@$BETTER_SQLITE3" --silent >/dev/null) \
      || die "npm pack better-sqlite3@$BETTER_SQLITE3 failed (is the npm registry reachable?)"
    [ -s "$tgz" ] || die "npm pack better-sqlite3@$BETTER_SQLITE3 produced no $tgz"
  fi
  rm -rf "$dir/package"
  tar -xzf "$tgz" -C "$dir" package/deps/sqlite3 || die "cannot extract deps/sqlite3 from $tgz"
  [ -s "$target" ] || die "$tgz has no package/deps/sqlite3/sqlite3.c"
  say "sqlite amalgamation: extracted $(basename "$tgz") -> $target ($(wc -l <"$target") lines)"
}

# ---- 2. Debian source packages ----------------------------------------------------------------
APT_DIR="$CACHE/apt"
APT_READY=0

# shellcheck source=lib/scratch-apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/scratch-apt.sh"

setup_apt() {
  [ "$APT_READY" -eq 0 ] || return 0
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: fetching Debian source packages needs Debian/Ubuntu"
  write_scratch_apt "$APT_DIR"
  if [ -z "$(ls "$APT_DIR"/lists/*Sources* 2>/dev/null | head -n 1)" ]; then
    say "apt-get update (scratch config $APT_CONFIG)"
    if ! apt-get -qq update >"$APT_DIR/update.log" 2>&1; then
      tail -n 20 "$APT_DIR/update.log" >&2 || true
      die "apt-get update with the scratch configuration failed (log: $APT_DIR/update.log)"
    fi
  fi
  APT_READY=1
}

ensure_dpkg_source() {
  command -v dpkg-source >/dev/null 2>&1 && return 0
  say "dpkg-source missing: installing dpkg-dev"
  local SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"
    else die "dpkg-source (package dpkg-dev) is missing and installing it needs root"; fi
  fi
  # the system's own APT configuration, not the scratch one
  (unset APT_CONFIG; $SUDO apt-get -qq update >/dev/null && $SUDO apt-get -qq -y --no-install-recommends install dpkg-dev >/dev/null) \
    || die "apt-get install dpkg-dev failed"
  command -v dpkg-source >/dev/null 2>&1 || die "dpkg-source still missing after installing dpkg-dev"
}

fetch_debian_source() {
  local pkg="$1" target="$CACHE/debian-src/$1"
  if [ -f "$target/.flexos-fetched" ]; then
    say "debian source $pkg: already present ($(cat "$target/.flexos-fetched")) at $target"
    return
  fi
  setup_apt
  ensure_dpkg_source
  local dl="$CACHE/debian-src/.download/$pkg"
  mkdir -p "$dl"
  if [ -z "$(ls "$dl"/*.dsc 2>/dev/null | head -n 1)" ]; then
    say "debian source $pkg: apt-get source --download-only $pkg"
    if ! (cd "$dl" && apt-get -qq source --download-only "$pkg" >"$dl/download.log" 2>&1); then
      tail -n 20 "$dl/download.log" >&2 || true
      die "apt-get source --download-only $pkg failed (log: $dl/download.log)"
    fi
  fi
  local dsc
  dsc="$(ls "$dl"/*.dsc 2>/dev/null | head -n 1 || true)"
  [ -n "$dsc" ] || die "apt-get source --download-only $pkg left no .dsc in $dl"
  rm -rf "$target"
  if ! dpkg-source --no-copy -x "$dsc" "$target" >"$dl/extract.log" 2>&1; then
    tail -n 20 "$dl/extract.log" >&2 || true
    die "dpkg-source -x $dsc failed (log: $dl/extract.log)"
  fi
  basename "$dsc" .dsc >"$target/.flexos-fetched"
  say "debian source $pkg: unpacked $(basename "$dsc") -> $target ($(find "$target" -name '*.[ch]' | wc -l) .c/.h files)"
}

wants sqlite-amalgamation && fetch_amalgamation
wants redis && fetch_debian_source redis
wants sqlite3 && fetch_debian_source sqlite3
say "done"
