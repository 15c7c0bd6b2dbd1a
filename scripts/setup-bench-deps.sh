#!/usr/bin/env bash
# Install what `npm run bench` compares against, on a Debian 12 machine, as root:
#  - coccinelle (spatch), the tool FlexOS's port helper and kraft's rewrite run;
#  - gcc, make (the gate and shared-memory ping-pong benchmarks).
# Idempotent: installs only what is missing. Uses apt-get only; never edits apt config.
# Exit status: 0 when everything is in place, non-zero with a message otherwise.
set -euo pipefail

say() { printf 'setup-bench-deps: %s\n' "$*"; }
die() { printf 'setup-bench-deps: ERROR: %s\n' "$*" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script supports Debian/Ubuntu only"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"
  else die "must run as root (or with password-less sudo) to install packages"; fi
fi

missing=()
for pkg in coccinelle gcc make libc6-dev; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)" = "installed" ] || missing+=("$pkg")
done
if [ "${#missing[@]}" -eq 0 ]; then
  say "all present (spatch $(spatch --version 2>/dev/null | head -1 | awk '{print $3}'))"
  exit 0
fi
say "installing ${missing[*]} (apt-get)"
$SUDO apt-get -qq update >/dev/null || die "apt-get update failed"
$SUDO apt-get -y -qq install --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
command -v spatch >/dev/null 2>&1 || die "coccinelle installed but spatch is not on PATH"
say "installed ${missing[*]}"
