#!/usr/bin/env bash
# Install what `npm run bench` compares against, on a Debian 12 machine, as root:
#  - coccinelle (spatch), the tool FlexOS's port helper and kraft's rewrite run;
#  - gcc, make (the gate and shared-memory ping-pong benchmarks).
# Idempotent: installs only what is missing. Uses apt-get only; never edits apt config.
# Exit status: 0 when everything is in place, non-zero with a message otherwise.
set -euo pipefail

say() { printf 'setup-bench-deps: %s\n' "$*"; }
die() { printf 'setup-bench-deps: ERROR: %s\n' "$*" >&2; exit 1; }

source "$(dirname "${BASH_SOURCE[0]}")/lib/apt-install.sh"
LOG=/tmp/setup-bench-deps.apt.log
: >"$LOG"

install_missing "$LOG" coccinelle gcc make libc6-dev || { tail -n 20 "$LOG" >&2 || true; die "apt-get install failed (log: $LOG)"; }
command -v spatch >/dev/null 2>&1 || die "coccinelle installed but spatch is not on PATH"
say "in place (spatch $(spatch --version 2>/dev/null | head -1 | awk '{print $3}'))"
