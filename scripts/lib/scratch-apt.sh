# Shared by the fetch scripts: a scratch APT configuration that adds `deb-src` to the system's
# Debian entries (SPEC §10) without touching the system's own apt files. The caller defines
# `die MESSAGE [CODE]` before sourcing this file.

# Debian's deb822 entries from the system, with `Types: deb deb-src`. Only stanzas whose URIs
# name a Debian archive are kept (third-party repositories rarely publish Sources).
debian_sources() {
  if [ -n "${FLEXOS_APT_SOURCES:-}" ]; then
    [ -r "$FLEXOS_APT_SOURCES" ] || die "FLEXOS_APT_SOURCES=$FLEXOS_APT_SOURCES is not readable"
    cat "$FLEXOS_APT_SOURCES"
    return
  fi
  local f found=0
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    awk -v RS='' -v ORS='\n\n' '/(^|\n)URIs:[^\n]*debian/' "$f"
    found=1
  done
  # one-line format (/etc/apt/sources.list, *.list): `deb [opts] URI suite comps...` → deb822
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    awk '$1 == "deb" && /debian/ {
      i = 2; opts = "";
      if ($2 ~ /^\[/) { while ($i !~ /\]$/) { opts = opts " " $i; i++ } opts = opts " " $i; i++ }
      uri = $i; suite = $(i + 1); comps = "";
      for (j = i + 2; j <= NF; j++) comps = comps " " $j;
      printf "Types: deb\nURIs: %s\nSuites: %s\nComponents:%s\n", uri, suite, comps;
      if (match(opts, /signed-by=[^ \]]*/)) printf "Signed-By: %s\n", substr(opts, RSTART + 10, RLENGTH - 10);
      printf "\n";
    }' "$f"
    found=1
  done
  [ "$found" -eq 1 ] || die "no APT sources found under /etc/apt; set FLEXOS_APT_SOURCES to a deb822 .sources file"
}

# write_scratch_apt DIR: lists, caches and sources of our own under DIR; exports APT_CONFIG.
write_scratch_apt() {
  local dir="$1"
  mkdir -p "$dir/sources.list.d" "$dir/lists/partial" "$dir/cache/archives/partial"
  debian_sources | sed -E 's/^Types:[[:space:]]*deb[[:space:]]*$/Types: deb deb-src/' >"$dir/sources.list.d/debian-src.sources"
  grep -q '^Types: deb deb-src' "$dir/sources.list.d/debian-src.sources" \
    || die "no Debian archive entry found in the system's APT sources (looked for URIs naming debian); set FLEXOS_APT_SOURCES"
  # Our own lists and caches; the system's status file is only read.
  cat >"$dir/apt.conf" <<CONF
Dir::Etc::SourceList "/dev/null";
Dir::Etc::SourceParts "$dir/sources.list.d";
Dir::State::Lists "$dir/lists";
Dir::Cache "$dir/cache";
Dir::Cache::archives "$dir/cache/archives";
APT::Sandbox::User "root";
CONF
  export APT_CONFIG="$dir/apt.conf"
}
