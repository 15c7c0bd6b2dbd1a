#!/usr/bin/env bash
# Install what the QEMU TCG lane (src/harness/qemu.ts) needs on a Debian 12 machine, as root.
#
#  - apt packages: qemu-system-x86 busybox-static gcc libc6-dev make cpio gzip (only if missing)
#  - the csmith lane's packages (scripts/setup-csmith.sh: csmith, libcsmith-dev, cvise)
#  - a Debian kernel: the concrete linux-image-<abi>-amd64 that the linux-image-amd64 metapackage
#    depends on is fetched with `apt-get download` (NOT installed) and unpacked with `dpkg -x`
#    under <project>/.cache/qemu/; its vmlinuz is copied to <project>/.cache/qemu/vmlinuz.
#
# Idempotent: a second run does nothing but report. Uses apt-get only; never edits apt config.
# Exit status: 0 when everything is in place, non-zero with a message otherwise.
# Environment: FLEXOS_QEMU_CACHE overrides the cache dir (default <project>/.cache/qemu).
set -euo pipefail

say() { printf 'setup-test-deps: %s\n' "$*"; }
die() { printf 'setup-test-deps: ERROR: %s\n' "$*" >&2; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${FLEXOS_QEMU_CACHE:-$ROOT/.cache/qemu}"
export DEBIAN_FRONTEND=noninteractive

command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script supports Debian/Ubuntu only"
command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"
  else die "must run as root (or with password-less sudo) to install packages"; fi
fi

UPDATED=0
apt_update_once() {
  if [ "$UPDATED" -eq 0 ]; then
    say "running apt-get update"
    $SUDO apt-get -qq update >/dev/null || die "apt-get update failed"
    UPDATED=1
  fi
}

is_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

# ---- 1. apt packages ---------------------------------------------------------------------------
PKGS=(qemu-system-x86 busybox-static gcc libc6-dev make cpio gzip)  # libc6-dev: libc.a for gcc -static
MISSING=()
for p in "${PKGS[@]}"; do
  if is_installed "$p"; then say "package $p: already installed"; else MISSING+=("$p"); fi
done
if [ "${#MISSING[@]}" -gt 0 ]; then
  apt_update_once
  say "installing: ${MISSING[*]}"
  # --no-install-recommends keeps qemu's footprint small (no GUI/audio stacks).
  if ! $SUDO apt-get -qq -y --no-install-recommends install "${MISSING[@]}" >/tmp/setup-test-deps.apt.log 2>&1; then
    tail -n 20 /tmp/setup-test-deps.apt.log >&2 || true
    die "apt-get install ${MISSING[*]} failed (log: /tmp/setup-test-deps.apt.log)"
  fi
  for p in "${MISSING[@]}"; do is_installed "$p" || die "package $p is still not installed"; done
  say "installed: ${MISSING[*]}"
fi
command -v qemu-system-x86_64 >/dev/null 2>&1 || die "qemu-system-x86_64 not on PATH after install"
[ -x /bin/busybox ] || die "/bin/busybox missing (busybox-static)"

# ---- 1b. Slurm + munge for the `explore --executor slurm` test (optional: that test skips, saying why)
bash "$ROOT/scripts/setup-slurm.sh" || say "slurm: not installed; test/explore/slurm.test.ts will be skipped with the reason"

# ---- 1c. csmith lane (test/csmith): csmith, libcsmith-dev, cvise; its tests skip, saying why, without them
bash "$ROOT/scripts/setup-csmith.sh" || say "csmith lane unavailable (scripts/setup-csmith.sh failed); its tests will be skipped"

# ---- 2. guest kernel ---------------------------------------------------------------------------
mkdir -p "$CACHE"
if [ -s "$CACHE/vmlinuz" ] && [ -s "$CACHE/kernel-package" ]; then
  say "kernel: already present ($(cat "$CACHE/kernel-package")) at $CACHE/vmlinuz"
  exit 0
fi

resolve_kernel_pkg() {
  apt-cache depends linux-image-amd64 2>/dev/null \
    | sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1
}
KPKG="$(resolve_kernel_pkg || true)"
if [ -z "$KPKG" ]; then apt_update_once; KPKG="$(resolve_kernel_pkg || true)"; fi
[ -n "$KPKG" ] || die "cannot resolve the kernel package that linux-image-amd64 depends on (apt-cache depends linux-image-amd64)"
say "kernel package: $KPKG"

WORK="$(mktemp -d "$CACHE/.dl.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
# apt-get download writes into the current directory. Running as root, apt warns that the download
# is unsandboxed (the _apt user cannot write to our dir); that warning is harmless, so silence it.
if ! (cd "$WORK" && apt-get -qq download "$KPKG" >"$WORK/dl.log" 2>&1); then
  # Stale package lists name a kernel the mirror no longer has: refresh, resolve again, retry.
  [ "$UPDATED" -eq 1 ] && { tail -n 20 "$WORK/dl.log" >&2; die "apt-get download $KPKG failed"; }
  apt_update_once
  KPKG="$(resolve_kernel_pkg || true)"
  [ -n "$KPKG" ] || die "cannot resolve the kernel package that linux-image-amd64 depends on"
  say "kernel package (after apt-get update): $KPKG"
  (cd "$WORK" && apt-get -qq download "$KPKG" >"$WORK/dl.log" 2>&1) \
    || { tail -n 20 "$WORK/dl.log" >&2; die "apt-get download $KPKG failed"; }
fi
DEB="$(ls "$WORK"/*.deb 2>/dev/null | head -n 1)"
[ -n "$DEB" ] || die "apt-get download $KPKG produced no .deb"
say "downloaded $(basename "$DEB") ($(du -h "$DEB" | cut -f1))"

# Only /boot is needed (the PKU tests need no modules); extract the package, keep /boot.
dpkg -x "$DEB" "$WORK/x" || die "dpkg -x $DEB failed"
VMLINUZ="$(ls "$WORK"/x/boot/vmlinuz-* 2>/dev/null | head -n 1)"
[ -n "$VMLINUZ" ] || die "no boot/vmlinuz-* inside $DEB"
rm -rf "$CACHE/boot"
mv "$WORK/x/boot" "$CACHE/boot"
cp "$CACHE/boot/$(basename "$VMLINUZ")" "$CACHE/vmlinuz.tmp"
mv -f "$CACHE/vmlinuz.tmp" "$CACHE/vmlinuz"
printf '%s\n' "$KPKG" >"$CACHE/kernel-package"
say "kernel: $CACHE/vmlinuz (from $(basename "$VMLINUZ"))"
