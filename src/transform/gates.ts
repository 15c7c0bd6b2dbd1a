import type { TreeIndex } from '../analyze/index.js';
import type { GateSite, Library } from '../analyze/model.js';
import { gateMechanism, type Deployment } from './deployment.js';
import type { FileEdits } from './edits.js';
import { pointerMask, type EntryTable } from './entries.js';

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

function isStructByValue(type: string): boolean {
  return /^(const\s+|volatile\s+)*(struct|union)\b/.test(type.trim()) && !type.includes('*');
}

/** flexos_gate[_r](libX, …) → flexos_<m>_gate[_r](from, to, …), after the checks of SPEC §7 that make a gate unbuildable. */
export function rewriteGate(edits: FileEdits, site: GateSite, index: TreeIndex, d: Deployment, entries: EntryTable): void {
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
  const byValue = def.def.params.find((p) => isStructByValue(p.type));
  if (byValue) {
    edits.report('gate-struct-by-value', 'error', site.span, `'${site.callee}' takes '${byValue.type}' by value; a gate passes only integers and pointers — pass a pointer to shared data`);
    return;
  }
  if (isStructByValue(def.def.returnType)) {
    edits.report('gate-struct-by-value', 'error', site.span, `'${site.callee}' returns '${def.def.returnType}' by value; a gate returns only integers and pointers — return through a shared out-parameter`);
    return;
  }
  const from = d.compartmentOf.get(edits.facts.library ?? '') ?? d.defaultId;
  const to = d.compartmentOf.get(library.name)!;
  const mech = gateMechanism(d, from, to);
  if (mech !== 'nop') {
    const params = def.def.params.filter((p) => p.type.trim() !== 'void');
    const conflict = entries.add({ name: site.callee, compartment: to, arity: params.length, pointerArgs: pointerMask(params), viaAlias: false }, from);
    if (conflict) {
      edits.report('gate-entry-conflict', 'error', site.calleeSpan, conflict);
      return;
    }
  }
  const keyword = site.kind === 'gate' ? 'flexos_gate' : 'flexos_gate_r';
  edits.code.overwrite(site.span.start, site.span.start + keyword.length, `flexos_${mech}_${site.kind}`);
  edits.code.overwrite(site.librarySpan.start, site.librarySpan.end, `${from}, ${to}`);
}
