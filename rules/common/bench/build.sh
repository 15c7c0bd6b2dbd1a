#!/usr/bin/env bash
# Builds gatebench: ./build.sh OUT_DIR [dss|shared-stack|heap] [pku] [static]
#   pku     gives compartment 2 the intel-pku mechanism (the program then needs a CPU with PKU:
#           without, it exits 77 at start-up — run it in the QEMU lane)
#   static  links with -static (what the QEMU lane needs)
# The program is OUT_DIR/gatebench; run it as `gatebench [scale]` (iterations multiplier).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rules="$(cd "$here/../.." && pwd)"
out="${1:?usage: build.sh OUT_DIR [dss|shared-stack|heap] [pku] [static]}"
sharing="${2:-dss}"
shift $(( $# >= 2 ? 2 : 1 ))
pku=0; static=()
for a in "$@"; do
  case "$a" in
    pku) pku=1 ;;
    static) static=(-static) ;;
    *) echo "build.sh: unknown option $a" >&2; exit 2 ;;
  esac
done
case "$sharing" in
  dss) macro=DSS ;; shared-stack) macro=SHARED_STACK ;; heap) macro=HEAP ;;
  *) echo "build.sh: sharing must be dss, shared-stack or heap" >&2; exit 2 ;;
esac

mkdir -p "$out/include/flexos" "$out/obj"
cp "$rules"/common/runtime/flexos/*.h "$rules"/fcalls/runtime/flexos/*.h \
   "$rules"/vmept/runtime/flexos/*.h "$rules"/intel-pku/runtime/flexos/*.h "$out/include/flexos/"
cat > "$out/include/flexos/isolation.h" <<H
#ifndef FLEXOS_ISOLATION_H
#define FLEXOS_ISOLATION_H
#define FLEXOS_NUM_COMPARTMENTS 3
#define FLEXOS_SHARING_${macro} 1
#define FLEXOS_MECH_IDS 1
#define FLEXOS_MECH_FCALLS 0
#define FLEXOS_MECH_INTELPKU 1
#define FLEXOS_MECH_VMEPT 2
#include <flexos/runtime.h>
#include <flexos/vmept.h>
#include <flexos/intelpku.h>
#include <flexos/entries.h>
#endif
H
echo 'enum { __flexos_entry_bench_inc = 0 };' > "$out/include/flexos/entries.h"
# the linker fragment: 3 compartments, no library patterns (the bench keeps no private data)
awk -v n=3 '
  /^\{\{#libraries\}\}$/ { skip = 1; next }
  /^\{\{\/libraries\}\}$/ { skip = 0; next }
  skip { next }
  /^\{\{#compartments\}\}$/ { inblock = 1; body = ""; next }
  /^\{\{\/compartments\}\}$/ {
    inblock = 0
    for (i = 0; i < n; i++) { b = body; gsub(/\{\{id\}\}/, i, b); printf "%s", b }
    next
  }
  inblock { body = body $0 "\n"; next }
  { print }
' "$rules/common/flexos_extra.ld.tmpl" > "$out/flexos_extra.ld"

cflags=(-O2 -Wall -Werror -I "$out/include")
[ "$pku" = 1 ] && cflags+=(-DGATEBENCH_PKU)
srcs=("$here/gatebench.c" "$rules"/common/runtime/*.c "$rules/vmept/runtime/flexos_vmept.c"
      "$rules/intel-pku/runtime/flexos_intelpku.c")
objs=()
for s in "${srcs[@]}"; do
  o="$out/obj/$(basename "${s%.c}").o"
  gcc "${cflags[@]}" -c "$s" -o "$o"
  objs+=("$o")
done
gcc -o "$out/gatebench" "${objs[@]}" -Wl,-T,"$out/flexos_extra.ld" -Wl,--wrap=main "${static[@]}"
echo "$out/gatebench"
