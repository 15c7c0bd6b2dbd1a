import type { TreeIndex } from '../analyze/index.js';
import type { GateSite } from '../analyze/model.js';
import { resolveLibraryName } from '../analyze/library-names.js';
import { gateMechanism, type Deployment } from './deployment.js';
import type { FileEdits } from './edits.js';
import { pointerMask, type EntryTable } from './entries.js';

export const MAX_GATE_ARGUMENTS = 6;

function isStructByValue(type: string): boolean {
  return /^(const\s+|volatile\s+)*(struct|union)\b/.test(type.trim()) && !type.includes('*');
}

/** Libraries whose code defines `name`: a function, a static inline of a header, or a macro. */
function definingLibraries(index: TreeIndex, name: string): string[] {
  const owners = new Set<string>();
  for (const d of index.definitions(name)) if (d.library !== null) owners.add(d.library);
  for (const d of index.headerInlines(name)) if (d.library !== null) owners.add(d.library);
  for (const l of index.macroLibraries(name)) if (l !== null) owners.add(l);
  return [...owners].sort();
}

/**
 * flexos_gate[_r](libX, …) → flexos_<m>_gate[_r](from, to, …). A gate names the domain the call
 * runs in (FlexOS's semantics): the named library need not define the callee. Only what cannot be
 * rewritten is an error (a domain no library or configuration entry stands for, too many
 * arguments, a struct by value); FlexOS's inconsistencies are warnings with the fix.
 */
export function rewriteGate(edits: FileEdits, site: GateSite, index: TreeIndex, d: Deployment, entries: EntryTable): void {
  const named = resolveLibraryName(index, site.library);
  if (!named) {
    const known = index.libraries.map((l) => l.name).concat([...index.aliases.keys()]).sort();
    edits.report('gate-unknown-library', 'error', site.librarySpan, `gate names '${site.library}', which is neither a library of the tree nor one the configuration names; known: ${known.join(', ')} — fix the name, or add the library under the configuration's libraries:`);
    return;
  }
  const library = named.library;
  if (named.match === 'spelling') edits.report('gate-library-spelling', 'warning', site.librarySpan, `gate names '${site.library}'; write '${library.name}' (the library's Makefile.uk name)`);
  if (site.args.length > MAX_GATE_ARGUMENTS) {
    const message = `gate passes ${site.args.length} arguments; at most ${MAX_GATE_ARGUMENTS} fit in registers — pass a pointer to a shared struct instead`;
    // FlexOS builds such a gate while its `#ifdef DEBUG_…` group is compiled out: say so, do not refuse
    if (site.conditional === undefined) {
      edits.report('gate-too-many-arguments', 'error', site.span, message);
      return;
    }
    edits.report('gate-too-many-arguments', 'warning', site.span, `${message}; it is under '${site.conditional}' and builds only while that group is compiled out`);
  }
  const def = index.definitions(site.callee).find((x) => x.library === library.name) ?? index.definitions(site.callee)[0] ?? null;
  if (library.absent) {
    edits.report('gate-unchecked', 'note', site.calleeSpan, `${library.name} is not in the tree (the configuration names it; kraft fetches it), so '${site.callee}' was not checked against its definition`);
  } else {
    const owners = definingLibraries(index, site.callee);
    if (owners.length === 0 && index.rootInlines(site.callee).length > 0) {
      // a static inline of the root include/: code of whoever runs it, here the named domain
    } else if (owners.length === 0) {
      edits.report('gate-unknown-function', 'warning', site.calleeSpan, `no file of the tree defines '${site.callee}' (as a function, static inline or macro); check the name — the gate is rewritten into ${library.name}'s domain as written`);
    } else if (!owners.includes(library.name)) {
      edits.report('gate-domain-differs', 'warning', site.librarySpan, `gate runs '${site.callee}' in ${library.name}'s domain, but it is defined in ${owners.join(', ')}; name ${owners[0]} unless the call must run in ${library.name}`);
    }
  }
  if (def) {
    const byValue = def.def.params.find((p) => isStructByValue(p.type));
    if (byValue) {
      edits.report('gate-struct-by-value', 'error', site.span, `'${site.callee}' takes '${byValue.type}' by value; a gate passes only integers and pointers — pass a pointer to shared data`);
      return;
    }
    if (isStructByValue(def.def.returnType)) {
      edits.report('gate-struct-by-value', 'error', site.span, `'${site.callee}' returns '${def.def.returnType}' by value; a gate returns only integers and pointers — return through a shared out-parameter`);
      return;
    }
  }
  const from = d.compartmentOf.get(edits.facts.library ?? '') ?? d.defaultId;
  const to = d.compartmentOf.get(library.name) ?? d.defaultId;
  const mech = gateMechanism(d, from, to);
  if (mech !== 'nop') {
    // the callee's entry (issue 11): an out-of-line function the generated table can point to
    if (!def && !library.absent && (definingLibraries(index, site.callee).length > 0 || index.rootInlines(site.callee).length > 0)) {
      edits.report('gate-entry-not-function', 'error', site.calleeSpan, `'${site.callee}' has no out-of-line definition (a static inline or a macro): a gate into compartment ${to} enters a function of its entry table — gate an exported function that calls it`);
      return;
    }
    const params = def ? def.def.params.filter((p) => p.type.trim() !== 'void') : null;
    // not in the tree (kraft fetches the library): an extern function, arity from the call
    const entry = { name: site.callee, compartment: to, arity: params ? params.length : site.args.length, pointerArgs: params ? pointerMask(params) : 0, viaAlias: false };
    const conflict = entries.add(entry, from);
    if (conflict) {
      edits.report('gate-entry-conflict', 'error', site.calleeSpan, conflict);
      return;
    }
  }
  const keyword = site.kind === 'gate' ? 'flexos_gate' : 'flexos_gate_r';
  edits.code.overwrite(site.span.start, site.span.start + keyword.length, `flexos_${mech}_${site.kind}`);
  edits.code.overwrite(site.librarySpan.start, site.librarySpan.end, `${from}, ${to}`);
}
