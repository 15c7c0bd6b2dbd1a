import type { TreeAnalysis } from '../analyze-tree.js';
import { isWhitelist, sharedSection } from '../attributes.js';
import { positionOf } from '../facts.js';
import { IncludeClosure } from '../include-closure.js';
import type { TreeIndex } from '../index.js';
import type { FileFacts, FunctionDecl, FunctionDef, Library, ResolvedGate, VariableDecl } from '../model.js';
import { resolveLibraryName } from '../library-names.js';
import { fileTables } from '../resolve.js';
import { localInScope } from '../scopes.js';

/** Where the deployment places libraries (compartment ids); absent: every library is isolated. */
export interface CompartmentMap {
  compartmentOf(library: string): number | undefined;
  describe(library: string): string;
}

export const ISOLATION_HEADER = 'flexos/isolation.h';
export const WHITELIST_ATTRIBUTE = '__attribute__((flexos_whitelist))';
export const MAX_GATE_ARGUMENTS = 6;

/** What every check reads: the analysis, the deployment, and lazily the text of a file. */
export class CheckContext {
  readonly includes: IncludeClosure;
  private readonly gateTargets = new Map<ResolvedGate, GateTarget>();

  constructor(
    readonly analysis: TreeAnalysis,
    readonly compartments: CompartmentMap | null,
    /** The current text of a file (the editor's buffer in the language server), for fixes. */
    readonly text: (file: string) => string | null,
    /** Files findings are wanted for (all when null); checks skip work outside it. */
    readonly scope: ReadonlySet<string> | null = null,
  ) {
    this.includes = new IncludeClosure(analysis.index);
  }

  get index(): TreeIndex {
    return this.analysis.index;
  }

  inScope(file: string): boolean {
    return this.scope === null || this.scope.has(file);
  }

  facts(file: string): FileFacts {
    return this.index.file(file)!;
  }

  position(file: string, offset: number): { line: number; column: number } {
    return positionOf(this.facts(file), offset);
  }

  /** Code of `a` and code of `b` run in different protection domains. */
  crosses(a: string | null, b: string | null): boolean {
    if (a === null || b === null || gateName(a) === gateName(b)) return false;
    if (this.compartments === null) return true;
    const ca = this.compartments.compartmentOf(a);
    const cb = this.compartments.compartmentOf(b);
    return ca === undefined || cb === undefined || ca !== cb;
  }

  /** `libA and libB` or, with a configuration, `libA (compartment 0) and libB (compartment 1)`. */
  where(library: string): string {
    return this.compartments ? `${library} (${this.compartments.describe(library)})` : library;
  }

  /** What a gate's library argument and callee resolve to (computed once per gate). */
  gateTarget(g: ResolvedGate): GateTarget {
    let t = this.gateTargets.get(g);
    if (!t) {
      t = resolveGateTarget(this.index, g);
      this.gateTargets.set(g, t);
    }
    return t;
  }

  /** The definition (or, lacking one, a prototype) of a function another file calls. */
  signature(name: string, library: string | null): FunctionDef | FunctionDecl | null {
    const defs = [...this.index.definitions(name), ...this.index.headerInlines(name)];
    const def = defs.find((d) => d.library === library) ?? (defs.length === 1 ? defs[0] : undefined);
    if (def) return def.def;
    for (const f of this.index.files) {
      if (library !== null && f.library !== library) continue;
      const p = f.prototypes.find((x) => x.name === name && x.linkage === 'extern');
      if (p) return p;
    }
    return null;
  }

  /** The variable a name means at an offset of a file: a local in scope, the file's global, or the tree's. */
  variableAt(file: FileFacts, name: string, binding: 'local' | 'global', at: number): { file: string; variable: VariableDecl } | null {
    if (binding === 'local') {
      const v = localInScope(file, fileTables(file).locals.get(name) ?? [], at);
      return v ? { file: file.path, variable: v } : null;
    }
    const own = fileTables(file).globals.get(name);
    if (own && own.storage !== 'extern') return { file: file.path, variable: own };
    const def = this.index.globalDefinitions(name)[0];
    if (def) return { file: def.file, variable: def.def };
    return own ? { file: file.path, variable: own } : null;
  }
}

export function isShared(v: VariableDecl): boolean {
  return v.attributes.some((a) => isWhitelist(a) || sharedSection(a));
}

/** The name a gate writes for a library: `lib` + name, dashes removed. */
export function gateName(library: string): string {
  const name = library.replace(/-/g, '');
  return name.startsWith('lib') ? name : `lib${name}`;
}

export interface GateTarget {
  /** The library the gate's first argument names (exactly, by alias, or by a sloppy spelling), null when none. */
  named: Library | null;
  /** Named by a FlexOS-style misspelling (`uklock`, `liblock` for `libuklock`). */
  misspelled: boolean;
  /** Libraries whose code defines the callee: a function, a static inline of a header, or a macro. */
  definers: string[];
  /** The callee is a static inline of the root include/: the code of whoever runs it. */
  rootInline: boolean;
  /** The callee's library: the named one when it defines the callee, else the only definer. */
  calleeLibrary: string | null;
  exported: boolean;
}

function resolveGateTarget(index: TreeIndex, g: ResolvedGate): GateTarget {
  const named = resolveLibraryName(index, g.site.library);
  const owners = new Set<string>();
  for (const d of index.definitions(g.site.callee)) if (d.library !== null) owners.add(d.library);
  // static inlines of a library's headers and its macros run that library's code: FlexOS gates them (uk_mutex_lock, uk_pr_err)
  for (const d of index.headerInlines(g.site.callee)) if (d.library !== null) owners.add(d.library);
  for (const l of index.macroLibraries(g.site.callee)) if (l !== null) owners.add(l);
  const definers = [...owners].sort();
  const library = named?.library ?? null;
  const calleeLibrary = library && definers.includes(library.name) ? library.name : definers.length === 1 ? definers[0]! : null;
  const notAFunction = index.headerInlines(g.site.callee).some((d) => d.library === calleeLibrary) || (calleeLibrary !== null && index.macroLibraries(g.site.callee).includes(calleeLibrary));
  const exported = calleeLibrary !== null && (notAFunction || index.exports(calleeLibrary).has(g.site.callee));
  return { named: library, misspelled: named?.match === 'spelling', definers, rootInline: index.rootInlines(g.site.callee).length > 0, calleeLibrary, exported };
}

/** Offset of the start of the line after the last top-of-file `#include` (0 when none). */
export function includeInsertionPoint(facts: FileFacts, text: string): number {
  let at = 0;
  for (const inc of facts.includes) {
    const nl = text.indexOf('\n', inc.span.start);
    at = Math.max(at, nl === -1 ? text.length : nl + 1);
  }
  return at;
}

export function hasIsolationInclude(facts: FileFacts): boolean {
  return facts.includes.some((i) => i.path === ISOLATION_HEADER);
}
