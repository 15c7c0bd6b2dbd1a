# Shared by the setup scripts: install Debian packages that are missing, with apt-get only (the
# system's apt configuration is never edited). The caller defines `say MESSAGE` and
# `die MESSAGE` before sourcing this file.

export DEBIAN_FRONTEND=noninteractive
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script supports Debian/Ubuntu only"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"
  else die "must run as root (or with password-less sudo) to install packages"; fi
fi

is_installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]; }

APT_UPDATED=0
# install_missing LOG PKG…: installs the packages not yet installed (apt-get update once per run);
# apt-get's output goes to LOG. Returns non-zero when apt-get fails.
install_missing() {
  local log="$1" missing=() p
  shift
  for p in "$@"; do is_installed "$p" && say "package $p: already installed" || missing+=("$p"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$APT_UPDATED" -eq 0 ]; then $SUDO apt-get -qq update >>"$log" 2>&1 || return 1; APT_UPDATED=1; fi
  say "installing: ${missing[*]}"
  $SUDO apt-get -qq -y -o DPkg::Lock::Timeout=600 --no-install-recommends install "${missing[@]}" >>"$log" 2>&1
}
