#!/usr/bin/env bash
# Install what the csmith differential lane (test/csmith, scripts/csmith-soak.sh) needs, as root:
# Debian's csmith (random C programs) and libcsmith-dev (its runtime headers, /usr/include/csmith*) and cvise
# (test-case reducer for minimising failures; creduce as a fallback when cvise is unavailable).
#
# Idempotent: a second run only reports. Uses apt-get only; never edits apt configuration.
# Exit status: 0 when csmith is in place (a missing reducer is reported, not fatal: reduction
# is a manual step), non-zero with a message otherwise.
set -euo pipefail

say() { printf 'setup-csmith: %s\n' "$*"; }
die() { printf 'setup-csmith: ERROR: %s\n' "$*" >&2; exit 1; }
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt-install.sh"
LOG=/tmp/setup-csmith.apt.log
: >"$LOG"

install_missing "$LOG" csmith libcsmith-dev || { tail -n 20 "$LOG" >&2 || true; die "apt-get install csmith libcsmith-dev failed"; }
command -v csmith >/dev/null 2>&1 || die "csmith not on PATH after install"
ls /usr/include/csmith*/csmith.h >/dev/null 2>&1 || die "csmith.h not found under /usr/include/csmith* (package libcsmith-dev)"

if install_missing "$LOG" cvise 2>/dev/null && command -v cvise >/dev/null 2>&1; then say "reducer: cvise"
elif install_missing "$LOG" creduce 2>/dev/null && command -v creduce >/dev/null 2>&1; then say "reducer: creduce"
else say "no reducer (cvise/creduce) could be installed: failures are kept unreduced"; fi
