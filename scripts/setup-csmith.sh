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
export DEBIAN_FRONTEND=noninteractive

command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script supports Debian/Ubuntu only"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"
  else die "must run as root (or with password-less sudo) to install packages"; fi
fi

is_installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]; }

UPDATED=0
install_pkgs() {
  local missing=()
  for p in "$@"; do is_installed "$p" && say "package $p: already installed" || missing+=("$p"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$UPDATED" -eq 0 ]; then $SUDO apt-get -qq update >/dev/null || return 1; UPDATED=1; fi
  say "installing: ${missing[*]}"
  $SUDO apt-get -qq -y -o DPkg::Lock::Timeout=600 --no-install-recommends install "${missing[@]}" >/tmp/setup-csmith.apt.log 2>&1
}

install_pkgs csmith libcsmith-dev || { tail -n 20 /tmp/setup-csmith.apt.log >&2 || true; die "apt-get install csmith libcsmith-dev failed"; }
command -v csmith >/dev/null 2>&1 || die "csmith not on PATH after install"
ls /usr/include/csmith*/csmith.h >/dev/null 2>&1 || die "csmith.h not found under /usr/include/csmith* (package libcsmith-dev)"

if install_pkgs cvise 2>/dev/null && command -v cvise >/dev/null 2>&1; then say "reducer: cvise"
elif install_pkgs creduce 2>/dev/null && command -v creduce >/dev/null 2>&1; then say "reducer: creduce"
else say "no reducer (cvise/creduce) could be installed: failures are kept unreduced"; fi
