import type { TreeIndex } from '../analyze/index.js';
import type { FunctionDef, GateSite } from '../analyze/model.js';
import { resolveLibraryName } from '../analyze/library-names.js';
import { gateMechanism, type Deployment } from './deployment.js';
import { byValueShape, rewriteByValueGate } from './byvalue.js';
import type { FileEdits } from './edits.js';
import { USERSPACE_FORMS, type TargetForms } from './target-forms.js';
import { pointerMask, type Entry, type EntryTable } from './entries.js';

export const MAX_GATE_ARGUMENTS = 6;

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
 * arguments); FlexOS's inconsistencies are warnings with the fix. Structs and unions by value
 * are marshalled through shared memory under isolating gates; results are converted from the
 * callee's type by the runtime's gate macros.
 */
export function rewriteGate(edits: FileEdits, site: GateSite, index: TreeIndex, d: Deployment, forms: TargetForms = USERSPACE_FORMS, entries?: EntryTable): void {
  const keyword = site.kind === 'gate' ? 'flexos_gate' : 'flexos_gate_r';
  const form = site.kind === 'gate' ? 'flexos_gate(library, function, arguments…)' : 'flexos_gate_r(library, return variable, function, arguments…)';
  const leading = site.kind === 'gate' ? 2 : 3;
  const given = site.library === '' ? 0 : site.callee !== '' ? leading : site.kind === 'gate_r' && site.ret !== undefined ? 2 : 1;
  if (given < leading) {
    edits.report('gate-arguments', 'error', site.span, `${keyword} has ${given} argument${given === 1 ? '' : 's'}, it needs at least ${leading}: write ${form}`);
    return;
  }
  let named = resolveLibraryName(index, site.library);
  if (!named && forms.unknownGateLibrary === 'callee-owner') {
    // the Unikraft target, like kraft (which sent unknown names to the default compartment):
    // when exactly one library defines the callee, run it there and say so
    const owners = definingLibraries(index, site.callee);
    const owner = owners.length === 1 ? index.library(owners[0]!) : null;
    if (owner) {
      edits.report('gate-unknown-library', 'warning', site.librarySpan, `gate names '${site.library}', which is no library of the tree or the configuration; '${site.callee}' is defined in ${owner.name} only, so the gate runs it there — write '${owner.name}'`);
      named = { library: owner, match: 'exact' };
    }
  }
  if (!named) {
    // kraft sends a gate naming no known library to the default compartment (its catch-all rule);
    // FlexOS's own example relies on it (`appisolatedexample`), so flexos does the same, and says so
    const known = index.libraries.map((l) => l.name).concat([...index.aliases.keys()]).sort();
    const to = d.defaultId;
    edits.report('gate-unknown-library', 'warning', site.librarySpan, `gate names '${site.library}', which is neither a library of the tree nor one the configuration names; it is rewritten into the default compartment ${d.compartments[to]!.name} (as kraft does) — fix the name (known: ${known.join(', ')}) or add the library under the configuration's libraries:`);
    const entry = { name: site.callee, compartment: to, arity: site.args.length, pointerArgs: 0, viaAlias: false };
    if (enter(edits, site, d, to, entries, () => entry)) writeGate(edits, site, d, to);
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
    const params = def.def.params.length;
    if (site.args.length > params && !def.def.variadic && site.conditional === undefined) {
      edits.report('gate-argument-count', 'error', site.span, `gate passes ${site.args.length} argument${site.args.length === 1 ? '' : 's'} to '${site.callee}', which takes ${params}; pass exactly ${params}`);
      return;
    }
    if (site.args.length < params && site.conditional === undefined) {
      edits.report('gate-argument-count', 'error', site.span, `gate passes ${site.args.length} argument${site.args.length === 1 ? '' : 's'} to '${site.callee}', which takes ${params}${def.def.variadic ? ' and more' : ''}; pass ${def.def.variadic ? 'at least' : 'exactly'} ${params}`);
      return;
    }
  }
  const to = d.compartmentOf.get(library.name) ?? d.defaultId;
  const entry = (): Omit<Entry, 'callers'> | string => {
    // an out-of-line function the generated table can point to (issue 11)
    if (!def && !library.absent && (definingLibraries(index, site.callee).length > 0 || index.rootInlines(site.callee).length > 0))
      return `'${site.callee}' has no out-of-line definition (a static inline or a macro): a gate into compartment ${to} enters a function of its entry table — gate an exported function that calls it`;
    const params = def ? def.def.params.filter((p) => p.type.trim() !== 'void') : null;
    // not in the tree (kraft fetches the library): an extern function, arity from the call
    return { name: site.callee, compartment: to, arity: params ? params.length : site.args.length, pointerArgs: params ? pointerMask(params) : 0, viaAlias: false };
  };
  if (enter(edits, site, d, to, entries, entry)) writeGate(edits, site, d, to, def?.def ?? null, entries);
}

/**
 * Records the callee in `to`'s entry table when the gate crosses an isolating boundary; false
 * (with an error) when it cannot be an entry.
 */
function enter(edits: FileEdits, site: GateSite, d: Deployment, to: number, entries: EntryTable | undefined, entry: () => Omit<Entry, 'callers'> | string): boolean {
  // the Unikraft target has no entry tables: FlexOS's gates call the function itself
  if (entries === undefined) return true;
  const from = d.compartmentOf.get(edits.facts.library ?? '') ?? d.defaultId;
  if (gateMechanism(d, from, to) === 'nop') return true;
  const e = entry();
  if (typeof e === 'string') {
    // FlexOS gates static inlines and macros (uk_mutex_lock, uk_pr_err): the userspace runtimes
    // enter only out-of-line functions of their tables, so such a gate cannot be authenticated
    // there; it is kept as a direct call, said loudly, and the Unikraft target gates it for real
    edits.report('gate-entry-not-function', 'warning', site.calleeSpan, `${e}; the userspace target writes it as a direct call (flexos_nop_gate), which runs in the caller's compartment — use --target unikraft for FlexOS's gate of it`);
    const keyword = site.kind === 'gate' ? 'flexos_gate' : 'flexos_gate_r';
    edits.code.overwrite(site.span.start, site.span.start + keyword.length, `flexos_nop_${site.kind}`);
    edits.code.overwrite(site.librarySpan.start, site.librarySpan.end, `${from}, ${to}`);
    return false;
  }
  const problem = entries.add(e, from);
  if (problem) edits.report('gate-entry-conflict', 'error', site.calleeSpan, problem);
  return problem === null;
}

/** The mechanism's gate between the caller's compartment and `to` (`def`: the callee's definition, when known). */
function writeGate(edits: FileEdits, site: GateSite, d: Deployment, to: number, def: FunctionDef | null = null, entries?: EntryTable): void {
  const keyword = site.kind === 'gate' ? 'flexos_gate' : 'flexos_gate_r';
  const from = d.compartmentOf.get(edits.facts.library ?? '') ?? d.defaultId;
  const mech = gateMechanism(d, from, to);
  if (def && mech !== 'nop') {
    // structs and unions by value go through shared memory (src/transform/byvalue.ts)
    const byValue = byValueShape(def);
    if (byValue.params.length > 0 || byValue.result) {
      rewriteByValueGate(edits, site, def, from, to, mech, entries);
      return;
    }
    convertBoolArguments(edits, site, def.params);
  }
  edits.code.overwrite(site.span.start, site.span.start + keyword.length, `flexos_${mech}_${site.kind}`);
  edits.code.overwrite(site.librarySpan.start, site.librarySpan.end, `${from}, ${to}`);
  terminateStatement(edits, site);
}

/**
 * FlexOS's tree writes some gates as statements without their `;` (uklock's mutex.h:
 * `flexos_gate_r(libuksched, current, uk_thread_current)` then `for (;;)`); Coccinelle
 * re-printed them with one. Every gate macro expands to a statement that needs it, so add it.
 */
function terminateStatement(edits: FileEdits, site: GateSite): void {
  const t = edits.text;
  let i = site.span.end;
  for (;;) {
    while (i < t.length && /\s/.test(t[i]!)) i++;
    if (t.startsWith('/*', i)) {
      const close = t.indexOf('*/', i + 2);
      if (close === -1) return;
      i = close + 2;
    } else if (t.startsWith('//', i)) {
      const nl = t.indexOf('\n', i);
      if (nl === -1) return;
      i = nl + 1;
    } else break;
  }
  if (i >= t.length || /[;,)\]:?]/.test(t[i]!)) return;
  edits.code.appendLeft(site.span.end, ';');
  edits.report('gate-missing-semicolon', 'warning', site.span, `this gate is a statement without its ';'; the rewrite adds it — add it to the source`);
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
