import type { TreeIndex } from '../analyze/index.js';
import type { GateSite, Library } from '../analyze/model.js';
import { gateMechanism, type Deployment } from './deployment.js';
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

function isStructByValue(type: string): boolean {
  return /^(const\s+|volatile\s+)*(struct|union)\b/.test(type.trim()) && !type.includes('*');
}

/** flexos_gate[_r](libX, …) → flexos_<m>_gate[_r](from, to, …), after the checks of SPEC §7 that make a gate unbuildable. */
export function rewriteGate(edits: FileEdits, site: GateSite, index: TreeIndex, d: Deployment): void {
  const keyword = site.kind === 'gate' ? 'flexos_gate' : 'flexos_gate_r';
  const form = site.kind === 'gate' ? 'flexos_gate(library, function, arguments…)' : 'flexos_gate_r(library, return variable, function, arguments…)';
  const leading = site.kind === 'gate' ? 2 : 3;
  const given = site.library === '' ? 0 : site.callee !== '' ? leading : site.kind === 'gate_r' && site.ret !== undefined ? 2 : 1;
  if (given < leading) {
    edits.report('gate-arguments', 'error', site.span, `${keyword} has ${given} argument${given === 1 ? '' : 's'}, it needs at least ${leading}: write ${form}`);
    return;
  }
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
  const params = def.def.params.length;
  if (site.args.length > params && !def.def.variadic) {
    edits.report('gate-argument-count', 'error', site.span, `gate passes ${site.args.length} argument${site.args.length === 1 ? '' : 's'} to '${site.callee}', which takes ${params}; pass exactly ${params}`);
    return;
  }
  if (site.args.length < params) {
    edits.report('gate-argument-count', 'error', site.span, `gate passes ${site.args.length} argument${site.args.length === 1 ? '' : 's'} to '${site.callee}', which takes ${params}${def.def.variadic ? ' and more' : ''}; pass ${def.def.variadic ? 'at least' : 'exactly'} ${params}`);
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
  edits.code.overwrite(site.span.start, site.span.start + keyword.length, `flexos_${mech}_${site.kind}`);
  edits.code.overwrite(site.librarySpan.start, site.librarySpan.end, `${from}, ${to}`);
}
