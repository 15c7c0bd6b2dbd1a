import { basename, join, relative, resolve as resolvePath } from 'node:path';
import { statSync } from 'node:fs';
import { InputError } from '../diagnostics/input-error.js';
import { compareDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { MacroTable } from '../parse/macro-table.js';
import { parseSource, type ParsedSource } from '../parse/parser.js';
import { readSource } from '../parse/source-file.js';
import { extractFacts, positionOf } from './facts.js';
import { TreeIndex } from './index.js';
import { listTree, owningLibrary, readLibrary, toPosix } from './libraries.js';
import type { FileFacts, Library, ResolvedCall, ResolvedGate, ResolvedGlobalUse } from './model.js';
import type { AddressArgument, ResolvedFunctionRef } from './resolve.js';
import { inlineGlobalUses, resolveFile, type FileResolution } from './resolve-file.js';

export interface AnalyzeOptions {
  macros: MacroTable;
  /** Library directories named by a configuration (absolute paths). */
  extraLibraryDirs?: string[];
  /** Keep parse trees and texts (rewrite and port edit them). */
  keepParsed?: boolean;
  onFile?: (path: string, done: number, total: number) => void;
}

export interface TreeAnalysis {
  root: string;
  libraries: Library[];
  index: TreeIndex;
  calls: ResolvedCall[];
  gates: ResolvedGate[];
  functionRefs: ResolvedFunctionRef[];
  addressArguments: AddressArgument[];
  /** Globals of one library used by name from code running in another (direct or through a header inline). */
  globalUses: ResolvedGlobalUse[];
  diagnostics: Diagnostic[];
  parsed: Map<string, ParsedSource>;
  totalLines: number;
}

/** Per-file step: read, parse and extract facts for one file of a tree. */
export function analyzeFile(root: string, path: string, library: string | null, macros: MacroTable): { facts: FileFacts; parsed: ParsedSource } {
  const source = readSource(join(root, path));
  const parsed = parseSource(path, source.text, macros);
  return { parsed, facts: extractFacts(parsed, { path, library, isHeader: path.endsWith('.h') }) };
}

/** Discover → parse every file → index → resolve. */
export function analyzeTree(rootArg: string, options: AnalyzeOptions): TreeAnalysis {
  const root = resolvePath(rootArg);
  const listing = listTree(root);
  const libraries = [...listing.libraries];
  const files = [...listing.files];
  for (const dir of options.extraLibraryDirs ?? []) {
    const lib = readLibraryDir(root, dir);
    if (!libraries.some((l) => l.name === lib.name)) libraries.push(lib);
    const sub = listTree(dir);
    for (const f of sub.files) {
      const rel = toPosix(relative(root, join(dir, f)));
      if (!files.includes(rel)) files.push(rel);
    }
  }
  const diagnostics: Diagnostic[] = [];
  const parsed = new Map<string, ParsedSource>();
  const facts: FileFacts[] = [];
  let totalLines = 0;
  files.forEach((path, i) => {
    options.onFile?.(path, i, files.length);
    try {
      const lib = owningLibrary(libraries, path);
      const result = analyzeFile(root, path, lib?.name ?? null, options.macros);
      facts.push(result.facts);
      totalLines += result.facts.lineCount;
      if (options.keepParsed) parsed.set(path, result.parsed);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const m = /^[^:]*(?::(\d+):(\d+))?: (.*)$/.exec(err.message);
      diagnostics.push({ code: 'unreadable-file', severity: 'error', file: path, line: Number(m?.[1] ?? 1), column: Number(m?.[2] ?? 1), message: m?.[3] ?? err.message });
    }
  });
  const index = new TreeIndex(libraries, facts);
  const analysis = resolveTree(root, index);
  analysis.diagnostics.push(...diagnostics);
  analysis.diagnostics.sort(compareDiagnostics);
  analysis.parsed = parsed;
  analysis.totalLines = totalLines;
  return analysis;
}

function readLibraryDir(root: string, dir: string): Library {
  let ok = false;
  try {
    ok = statSync(join(dir, 'Makefile.uk')).isFile();
  } catch {
    ok = false;
  }
  const lib = ok ? readLibrary(root, dir) : null;
  if (lib) return lib;
  const name = basename(dir).replace(/-/g, '');
  return { name: name.startsWith('lib') ? name : `lib${name}`, shortName: name.replace(/^lib/, ''), dir: toPosix(relative(root, dir)), declaredBy: 'config', listedSources: [], exportsyms: null };
}

/** Cross-file step: everything that needs the whole index. Re-run after replacing a file's facts. */
export function resolveTree(root: string, index: TreeIndex): TreeAnalysis {
  return combineResolutions(root, index, index.files.map((f) => resolveFile(index, f)));
}

/** A tree's analysis from per-file resolutions (in index.files order) plus the tree-wide findings. */
export function combineResolutions(root: string, index: TreeIndex, perFile: readonly FileResolution[]): TreeAnalysis {
  const a: TreeAnalysis = { root, libraries: [...index.libraries], index, calls: [], gates: [], functionRefs: [], addressArguments: [], globalUses: [], diagnostics: [], parsed: new Map(), totalLines: 0 };
  for (const f of index.files) a.totalLines += f.lineCount;
  for (const r of perFile) {
    a.calls.push(...r.calls);
    a.gates.push(...r.gates);
    a.functionRefs.push(...r.functionRefs);
    a.addressArguments.push(...r.addressArguments);
    a.globalUses.push(...r.globalUses);
    a.diagnostics.push(...r.diagnostics);
  }
  a.globalUses.push(...inlineGlobalUses(index, a.calls));
  a.diagnostics.push(...duplicateExports(index));
  a.diagnostics.sort(compareDiagnostics);
  return a;
}

/** Two libraries defining the same exported symbol: reported, never guessed (issue 2). */
function duplicateExports(index: TreeIndex): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const file of index.files) {
    for (const fn of file.functions) {
      if (fn.linkage === 'static' || seen.has(fn.name)) continue;
      const defs = index.definitions(fn.name).filter((d) => d.library !== null && index.exports(d.library).has(fn.name));
      const libs = [...new Set(defs.map((d) => d.library!))].sort();
      if (libs.length < 2) continue;
      seen.add(fn.name);
      const first = defs.sort((a, b) => (a.file < b.file ? -1 : 1))[0]!;
      const firstFile = index.file(first.file)!;
      const pos = positionOf(firstFile, first.def.nameSpan.start);
      out.push({
        code: 'duplicate-export',
        severity: 'error',
        file: first.file,
        line: pos.line,
        column: pos.column,
        start: first.def.nameSpan.start,
        end: first.def.nameSpan.end,
        message: `'${fn.name}' is exported by ${libs.join(' and ')} (${defs.map((d) => d.file).join(', ')}); calls to it cannot be attributed — rename one or drop it from an exportsyms.uk`,
      });
    }
  }
  return out;
}
