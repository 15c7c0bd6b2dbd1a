#!/usr/bin/env bash
# Minimises a failing csmith seed with cvise (creduce as a fallback) into a regression fixture.
#
#   scripts/csmith-reduce.sh WORKDIR MECHANISM RESULT SEED LIBRARIES [OUT]
#
# WORKDIR is the seed's work directory (the soak run or the test prints it; it holds
# original.c); RESULT the failure to keep (crash, wrong-checksum, build-error, …). The reduced
# program goes to OUT (default test/csmith/fixtures/csmith-SEED-MECHANISM.c) with the split line
# the regression test reads. Needs dist/ (npm run build) and scripts/setup-csmith.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -ge 5 ] || { echo "usage: $0 WORKDIR MECHANISM RESULT SEED LIBRARIES [OUT]" >&2; exit 2; }
WORKDIR="$(cd "$1" && pwd)"; MECH="$2"; RESULT="$3"; SEED="$4"; LIBS="$5"
OUT="${6:-$ROOT/test/csmith/fixtures/csmith-$SEED-$MECH.c}"
REDUCER="$(command -v cvise || command -v creduce || true)"
[ -n "$REDUCER" ] || { echo "csmith-reduce: neither cvise nor creduce is installed (scripts/setup-csmith.sh)" >&2; exit 2; }
[ -f "$WORKDIR/original.c" ] || { echo "csmith-reduce: $WORKDIR/original.c not found" >&2; exit 2; }

SCRATCH="$(mktemp -d /tmp/flexos-reduce.XXXXXX)"
trap 'rm -rf "$SCRATCH"' EXIT
cp "$WORKDIR/original.c" "$SCRATCH/program.c"
cat >"$SCRATCH/interesting.sh" <<SH
#!/usr/bin/env bash
exec node "$ROOT/scripts/csmith-check.js" program.c --seed $SEED --libraries $LIBS --mechanism $MECH --expect $RESULT
SH
chmod +x "$SCRATCH/interesting.sh"
(cd "$SCRATCH" && ./interesting.sh) || { echo "csmith-reduce: the failure does not reproduce from $WORKDIR/original.c" >&2; exit 1; }
(cd "$SCRATCH" && "$REDUCER" --n 2 ./interesting.sh program.c >"$SCRATCH/reduce.log" 2>&1) || { tail -n 20 "$SCRATCH/reduce.log" >&2; exit 1; }
{ printf '/* split: libraries=%s seed=%s (csmith seed %s, %s under %s, reduced by %s) */\n' "$LIBS" "$SEED" "$SEED" "$RESULT" "$MECH" "$(basename "$REDUCER")"; cat "$SCRATCH/program.c"; } >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "csmith-reduce: $(wc -l <"$OUT") lines in $OUT"
