import type { TreeIndex } from '../analyze/index.js';
import type { GateSite, Library } from '../analyze/model.js';
import { gateMechanism, type Deployment } from './deployment.js';
import { byValueShape, rewriteByValueGate } from './byvalue.js';
import type { FileEdits } from './edits.js';

export const MAX_GATE_ARGUMENTS = 6;

/** The library a gate's first argument names (FlexOS trees also write `uklock` for `libuklock`). */
export function namedLibrary(index: TreeIndex, written: string): { library: Library | null; sloppy: boolean } {
  const exact = index.library(written);
  if (exact) return { library: exact, sloppy: false };
  const bare = written.replace(/-/g, '');
  for (const lib of index.libraries) {
    if (lib.shortName.replace(/-/g, '') === bare || lib.name === `lib${bare}`) return { library: lib, sloppy: true };
  }
  return { library: null, sloppy: false };
}

/** flexos_gate[_r](libX, …) → flexos_<m>_gate[_r](from, to, …), after the checks of SPEC §7 that make a gate unbuildable. */
export function rewriteGate(edits: FileEdits, site: GateSite, index: TreeIndex, d: Deployment): void {
  const { library, sloppy } = namedLibrary(index, site.library);
  if (!library) {
    edits.report('gate-unknown-library', 'error', site.librarySpan, `gate names '${site.library}', which is not a library of the tree; known: ${index.libraries.map((l) => l.name).join(', ')}`);
    return;
  }
  if (sloppy) edits.report('gate-library-spelling', 'warning', site.librarySpan, `gate names '${site.library}'; write '${library.name}' (the library's Makefile.uk name)`);
  const defs = index.definitions(site.callee);
  const def = defs.find((x) => x.library === library.name) ?? null;
  if (defs.length === 0) {
    edits.report('gate-unknown-function', 'error', site.calleeSpan, `no library of the tree defines '${site.callee}'; gate only calls into functions of the tree`);
    return;
  }
  if (!def) {
    edits.report('gate-wrong-library', 'error', site.librarySpan, `gate names ${library.name}, but '${site.callee}' is defined in ${defs.map((x) => x.library ?? '(no library)').join(', ')}; name the callee's library`);
    return;
  }
  if (site.args.length > MAX_GATE_ARGUMENTS) {
    edits.report('gate-too-many-arguments', 'error', site.span, `gate passes ${site.args.length} arguments; at most ${MAX_GATE_ARGUMENTS} fit in registers — pass a pointer to a shared struct instead`);
    return;
  }
  const from = d.compartmentOf.get(edits.facts.library ?? '') ?? d.defaultId;
  const to = d.compartmentOf.get(library.name)!;
  const mech = gateMechanism(d, from, to);
  const byValue = byValueShape(def.def);
  if (mech !== 'nop' && (byValue.params.length > 0 || byValue.result)) {
    rewriteByValueGate(edits, site, def.def, from, to, mech);
    return;
  }
  if (mech !== 'nop') convertBoolArguments(edits, site, def.def.params);
  const keyword = site.kind === 'gate' ? 'flexos_gate' : 'flexos_gate_r';
  edits.code.overwrite(site.span.start, site.span.start + keyword.length, `flexos_${mech}_${site.kind}`);
  edits.code.overwrite(site.librarySpan.start, site.librarySpan.end, `${from}, ${to}`);
}

/**
 * An isolating gate passes each argument's low bytes, which is the conversion a direct call
 * makes to every integer and pointer parameter type except _Bool (256 becomes 1, not 0): those
 * arguments are converted explicitly.
 */
function convertBoolArguments(edits: FileEdits, site: GateSite, params: readonly { type: string }[]): void {
  site.args.forEach((arg, i) => {
    const type = params[i]?.type ?? '';
    if (!/\b(_Bool|bool)\b/.test(type) || /[*[(]/.test(type)) return;
    edits.code.prependRight(arg.span.start, '(_Bool)(');
    edits.code.appendLeft(arg.span.end, ')');
  });
}
