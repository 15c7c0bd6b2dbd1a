#!/usr/bin/env bash
# Install Debian's Slurm (slurmctld, slurmd, client) and munge for the `explore --executor slurm`
# tests, as root. Idempotent: installs only what is missing. Starting and stopping the single-node
# cluster is the test harness's job (test/explore/slurm-cluster.ts), not this script's.
# Exit status: 0 when sbatch, slurmctld, slurmd and munged are on PATH, non-zero with a message.
set -euo pipefail
say() { printf 'setup-slurm: %s\n' "$*"; }
die() { printf 'setup-slurm: ERROR: %s\n' "$*" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script supports Debian only"
[ "$(id -u)" -eq 0 ] || die "must run as root to install packages"
is_installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]; }
PKGS=(slurmctld slurmd slurm-client munge)
MISSING=()
for p in "${PKGS[@]}"; do is_installed "$p" || MISSING+=("$p"); done
if [ "${#MISSING[@]}" -gt 0 ]; then
  say "installing: ${MISSING[*]}"
  LOG="$(mktemp /tmp/setup-slurm.XXXXXX.log)"
  if ! apt-get -qq -y --no-install-recommends install "${MISSING[@]}" >"$LOG" 2>&1; then
    say "apt-get install failed; running apt-get update once and retrying"
    apt-get -qq update >>"$LOG" 2>&1 || { tail -n 20 "$LOG" >&2; die "apt-get update failed (log: $LOG)"; }
    apt-get -qq -y --no-install-recommends install "${MISSING[@]}" >>"$LOG" 2>&1 \
      || { tail -n 20 "$LOG" >&2; die "apt-get install ${MISSING[*]} failed (log: $LOG)"; }
  fi
fi
for b in sbatch slurmctld slurmd munged sacct squeue; do
  command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || die "$b not found after install"
done
say "slurm-client $(dpkg-query -W -f='${Version}' slurm-client) and munge $(dpkg-query -W -f='${Version}' munge) are installed"
