#!/usr/bin/env bash
# Fetch Debian's redis source package into <project>/.cache/redis/source (SPEC §10), for the
# `port` test on real outside code (test/port/redis.test.ts).
#
# How: a scratch APT configuration (APT_CONFIG) with its own Dir::Etc::SourceParts,
# Dir::State::Lists and Dir::Cache under .cache/redis/apt; its only source is a copy of the
# system's Debian entry with `Types: deb deb-src`. Then `apt-get update` and
# `apt-get source --download-only redis` with that configuration, and `dpkg-source -x`.
# The system's own apt files (sources, lists, caches) are only read, never written.
#
# Idempotent: an existing unpacked tree is kept.
# Exit status: 0 done; 75 (EX_TEMPFAIL) the archive could not be reached (no network);
# 1 any other failure. The last line on stderr says why.
# Environment: FLEXOS_REDIS_CACHE overrides the directory (default <project>/.cache/redis);
#              FLEXOS_APT_SOURCES names a deb822 .sources file to use instead of the system's.
set -euo pipefail

say() { printf 'fetch-redis: %s\n' "$*"; }
die() { printf 'fetch-redis: ERROR: %s\n' "$*" >&2; exit "${2:-1}"; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${FLEXOS_REDIS_CACHE:-$ROOT/.cache/redis}"
TARGET="$CACHE/source"
APT_DIR="$CACHE/apt"
DOWNLOAD="$CACHE/download"
export DEBIAN_FRONTEND=noninteractive

if [ -f "$TARGET/.flexos-fetched" ]; then
  say "already present ($(cat "$TARGET/.flexos-fetched")) at $TARGET"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 || die "apt-get not found: fetching Debian source packages needs Debian or Ubuntu"
command -v dpkg-source >/dev/null 2>&1 || die "dpkg-source not found: install dpkg-dev"

# shellcheck source=lib/scratch-apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/scratch-apt.sh"

mkdir -p "$DOWNLOAD"
write_scratch_apt "$APT_DIR"

if [ -z "$(ls "$DOWNLOAD"/redis_*.dsc 2>/dev/null | head -n 1)" ]; then
  say "apt-get update (scratch configuration $APT_CONFIG)"
  apt-get -q update >"$APT_DIR/update.log" 2>&1 || { tail -n 5 "$APT_DIR/update.log" >&2; die "apt-get update failed (log: $APT_DIR/update.log)" 75; }
  if grep -qE '^(W|E): (Failed to fetch|Some index files failed)' "$APT_DIR/update.log" || [ -z "$(ls "$APT_DIR"/lists/*Sources* 2>/dev/null | head -n 1)" ]; then
    tail -n 5 "$APT_DIR/update.log" >&2
    die "the Debian archive could not be reached, no Sources index (log: $APT_DIR/update.log)" 75
  fi
  say "apt-get source --download-only redis"
  (cd "$DOWNLOAD" && apt-get -q source --download-only redis >"$DOWNLOAD/download.log" 2>&1) \
    || { tail -n 5 "$DOWNLOAD/download.log" >&2; die "apt-get source --download-only redis failed (log: $DOWNLOAD/download.log)" 75; }
fi
DSC="$(ls "$DOWNLOAD"/redis_*.dsc 2>/dev/null | head -n 1 || true)"
[ -n "$DSC" ] || die "apt-get source left no redis_*.dsc in $DOWNLOAD"

rm -rf "$TARGET"
dpkg-source --no-copy -x "$DSC" "$TARGET" >"$DOWNLOAD/extract.log" 2>&1 \
  || { tail -n 5 "$DOWNLOAD/extract.log" >&2; die "dpkg-source -x $DSC failed (log: $DOWNLOAD/extract.log)"; }
basename "$DSC" .dsc >"$TARGET/.flexos-fetched"
say "unpacked $(basename "$DSC") -> $TARGET ($(find "$TARGET" -name '*.[ch]' | wc -l) .c/.h files)"
