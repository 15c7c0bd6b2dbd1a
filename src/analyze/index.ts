import type { FileFacts, FunctionDef, Library, MacroBody, VariableDecl } from './model.js';

export interface Definition<T> {
  file: string;
  library: string | null;
  def: T;
}

/**
 * Cross-file symbol tables built from per-file facts. Replacing one file's facts (an editor
 * change) only drops the derived tables; they are rebuilt from facts, never from source.
 */
export class TreeIndex {
  private readonly facts = new Map<string, FileFacts>();
  private derived: Derived | null = null;
  /** `files`, sorted once per change (callers loop over it per call or gate). */
  private sorted: FileFacts[] | null = null;
  /** Name lookups from one file (resolve.ts), valid until any file changes. */
  private lookups = new WeakMap<FileFacts, Map<string, unknown>>();

  constructor(
    readonly libraries: readonly Library[],
    files: Iterable<FileFacts> = [],
    /** Names that stand for a library of the build (`libukplat` → `libkvmplat`, `libc` → `libnolibc`). */
    readonly aliases: ReadonlyMap<string, string> = new Map(),
  ) {
    for (const f of files) this.facts.set(f.path, f);
  }

  /**
   * New facts for a file. When the file defines and declares the same names as before (an edit
   * inside a function body), the derived tables keep every entry and only this file's point at
   * the new objects: the tables a rebuild would give, without walking every file again.
   */
  replaceFile(facts: FileFacts): void {
    const old = this.facts.get(facts.path);
    this.facts.set(facts.path, facts);
    this.lookups = new WeakMap();
    if (old && this.derived && sameNames(old, facts) && repoint(this.derived, facts)) {
      const at = this.sorted?.indexOf(old) ?? -1;
      if (at >= 0) this.sorted![at] = facts;
      else this.sorted = null;
      return;
    }
    this.derived = null;
    this.sorted = null;
  }

  removeFile(path: string): void {
    this.facts.delete(path);
    this.derived = null;
    this.sorted = null;
    this.lookups = new WeakMap();
  }

  file(path: string): FileFacts | undefined {
    return this.facts.get(path);
  }

  /** Files in path order (deterministic output everywhere downstream). */
  get files(): FileFacts[] {
    this.sorted ??= [...this.facts.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    // a copy: callers may sort or splice what they get
    return [...this.sorted];
  }

  /** A cache of what names mean from inside `file`; dropped with the derived tables. */
  lookupCache(file: FileFacts): Map<string, unknown> {
    let cache = this.lookups.get(file);
    if (!cache) {
      cache = new Map();
      this.lookups.set(file, cache);
    }
    return cache;
  }

  library(name: string): Library | undefined {
    return this.tables().libraryByName.get(name);
  }

  /** The library an alias (`libukplat`, `libc`) stands for in this build. */
  aliased(name: string): Library | undefined {
    const target = this.aliases.get(name);
    return target === undefined ? undefined : this.library(target);
  }

  /** Non-static function definitions by name. */
  definitions(name: string): Definition<FunctionDef>[] {
    return this.tables().functions.get(name) ?? [];
  }

  /** Static functions defined in a library's headers (compiled into every includer). */
  headerInlines(name: string): Definition<FunctionDef>[] {
    return this.tables().headerInlines.get(name) ?? [];
  }

  /** Static functions of headers outside every library (the root `include/`): the includer's code. */
  rootInlines(name: string): Definition<FunctionDef>[] {
    return this.tables().rootInlines.get(name) ?? [];
  }

  /** Non-static, non-extern global variables by name. */
  globalDefinitions(name: string): Definition<VariableDecl>[] {
    return this.tables().globals.get(name) ?? [];
  }

  /** Some file declares `name` as a variable with external linkage (`extern` or a definition). */
  isSharedVariableName(name: string): boolean {
    return this.tables().variableNames.has(name);
  }

  /** What each `#define` of `name` mentions, with its file. */
  macroBodies(name: string): { file: string; library: string | null; body: MacroBody }[] {
    return this.tables().macroBodies.get(name) ?? [];
  }

  isMacro(name: string): boolean {
    return this.tables().macros.has(name);
  }

  /** Libraries whose files #define `name` (null for files outside every library). */
  macroLibraries(name: string): (string | null)[] {
    return this.tables().macros.get(name) ?? [];
  }

  /** A name some file of the tree defines with typedef. */
  isTypedef(name: string): boolean {
    return this.tables().typedefs.has(name);
  }

  /** Symbols a library lets others use: exportsyms.uk, or every non-static symbol without it. */
  exports(library: string): ReadonlySet<string> {
    return this.tables().exports.get(library) ?? new Set();
  }

  /** Libraries exporting a name (more than one is a conflict to report). */
  exporters(name: string): string[] {
    return this.tables().exporters.get(name) ?? [];
  }

  private tables(): Derived {
    this.derived ??= derive(this.libraries, this.files);
    return this.derived;
  }
}

interface Derived {
  libraryByName: Map<string, Library>;
  functions: Map<string, Definition<FunctionDef>[]>;
  headerInlines: Map<string, Definition<FunctionDef>[]>;
  rootInlines: Map<string, Definition<FunctionDef>[]>;
  globals: Map<string, Definition<VariableDecl>[]>;
  macros: Map<string, (string | null)[]>;
  macroBodies: Map<string, { file: string; library: string | null; body: MacroBody }[]>;
  variableNames: Set<string>;
  typedefs: Set<string>;
  exports: Map<string, Set<string>>;
  exporters: Map<string, string[]>;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function derive(libraries: readonly Library[], files: FileFacts[]): Derived {
  const d: Derived = {
    libraryByName: new Map(),
    functions: new Map(),
    headerInlines: new Map(),
    rootInlines: new Map(),
    globals: new Map(),
    macros: new Map(),
    macroBodies: new Map(),
    variableNames: new Set(),
    typedefs: new Set(),
    exports: new Map(),
    exporters: new Map(),
  };
  for (const lib of libraries) {
    d.libraryByName.set(lib.name, lib);
    d.exports.set(lib.name, new Set(lib.exportsyms ?? []));
  }
  for (const f of files) {
    for (const fn of f.functions) {
      if (fn.linkage === 'static') {
        if (f.isHeader && f.library !== null) push(d.headerInlines, fn.name, { file: f.path, library: f.library, def: fn });
        else if (f.isHeader) push(d.rootInlines, fn.name, { file: f.path, library: null, def: fn });
        continue;
      }
      push(d.functions, fn.name, { file: f.path, library: f.library, def: fn });
      const lib = f.library !== null ? d.libraryByName.get(f.library) : undefined;
      if (lib && lib.exportsyms === null) d.exports.get(lib.name)!.add(fn.name);
    }
    for (const b of f.macroBodies ?? []) push(d.macroBodies, b.name, { file: f.path, library: f.library, body: b });
    for (const g of f.globals) {
      if (g.storage !== 'static') d.variableNames.add(g.name);
      if (g.storage !== 'none') continue;
      push(d.globals, g.name, { file: f.path, library: f.library, def: g });
      const lib = f.library !== null ? d.libraryByName.get(f.library) : undefined;
      if (lib && lib.exportsyms === null) d.exports.get(lib.name)!.add(g.name);
    }
    for (const { name: m } of f.defines) {
      const owners = d.macros.get(m);
      if (!owners) d.macros.set(m, [f.library]);
      else if (!owners.includes(f.library)) owners.push(f.library);
    }
    for (const t of f.typedefs ?? []) d.typedefs.add(t);
  }
  for (const [lib, names] of d.exports) for (const n of names) push(d.exporters, n, lib);
  return d;
}

/** What derive reads of a file other than the objects it points at: names, linkage and storage, in order. */
function sameNames(a: FileFacts, b: FileFacts): boolean {
  if (a.path !== b.path || a.library !== b.library || a.isHeader !== b.isHeader) return false;
  const same = <T>(x: readonly T[], y: readonly T[], key: (v: T) => string): boolean => x.length === y.length && x.every((v, i) => key(v) === key(y[i]!));
  return (
    same(a.functions, b.functions, (f) => `${f.name}\u0000${f.linkage}`) &&
    same(a.globals, b.globals, (g) => `${g.name}\u0000${g.storage}`) &&
    same(a.macroBodies ?? [], b.macroBodies ?? [], (m) => m.name) &&
    same(a.defines, b.defines, (m) => m.name) &&
    same(a.typedefs ?? [], b.typedefs ?? [], (t) => t)
  );
}

/**
 * Points the derived tables' entries of `facts.path` at the new facts' objects (same names, so
 * the same entries at the same places: derive lists a file's entries together, in its order).
 * False when an entry is not where expected (the caller rebuilds).
 */
function repoint(d: Derived, facts: FileFacts): boolean {
  const fresh = new Map<Map<string, Definition<unknown>[]>, Map<string, Definition<unknown>[]>>();
  const add = (table: Map<string, Definition<unknown>[]>, name: string, def: unknown): void => {
    let byName = fresh.get(table);
    if (!byName) fresh.set(table, (byName = new Map()));
    push(byName, name, { file: facts.path, library: facts.library, def });
  };
  for (const fn of facts.functions) {
    if (fn.linkage !== 'static') add(d.functions, fn.name, fn);
    else if (facts.isHeader) add(facts.library !== null ? d.headerInlines : d.rootInlines, fn.name, fn);
  }
  for (const g of facts.globals) if (g.storage === 'none') add(d.globals, g.name, g);
  const bodies = new Map<string, { file: string; library: string | null; body: MacroBody }[]>();
  for (const b of facts.macroBodies ?? []) push(bodies, b.name, { file: facts.path, library: facts.library, body: b });
  const swaps: (() => void)[] = [];
  // new lists rather than edits in place: a list handed out before stays as it was, as with a rebuild
  const plan = <T extends { file: string }>(table: Map<string, T[]>, name: string, entries: T[]): boolean => {
    const list = table.get(name);
    const at = list?.findIndex((e) => e.file === facts.path) ?? -1;
    if (!list || at < 0 || at + entries.length > list.length || list.slice(at, at + entries.length).some((e) => e.file !== facts.path) || list[at + entries.length]?.file === facts.path) return false;
    swaps.push(() => table.set(name, [...list.slice(0, at), ...entries, ...list.slice(at + entries.length)]));
    return true;
  };
  for (const [table, byName] of fresh) for (const [name, entries] of byName) if (!plan(table, name, entries)) return false;
  for (const [name, entries] of bodies) if (!plan(d.macroBodies, name, entries)) return false;
  for (const swap of swaps) swap();
  return true;
}
