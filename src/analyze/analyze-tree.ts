import { basename, join, relative, resolve as resolvePath } from 'node:path';
import { statSync } from 'node:fs';
import { InputError } from '../diagnostics/input-error.js';
import { compareDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { MacroTable } from '../parse/macro-table.js';
import { parseSource, type ParsedSource } from '../parse/parser.js';
import { readSource } from '../parse/source-file.js';
import { extractFacts, positionOf } from './facts.js';
import { analyzeFilesInParallel, fileSizes, threadsFor, workersAvailable } from './parallel.js';
import { unseenCode } from './unseen-annotations.js';
import { TreeIndex } from './index.js';
import { listTree, owningLibrary, readLibrary, toPosix } from './libraries.js';
import { defaultReachPolicy, ReachAnalysis, type ReachPolicy } from './reach.js';
import { resolveLibraryName } from './library-names.js';
import type { ProjectSettings } from '../config/project.js';
import { selectBuild, DEFAULT_ARCHITECTURE, DEFAULT_PLATFORM, type BuildSelection, type SelectionOptions } from './build-selection.js';
import type { FileFacts, Library, ResolvedGlobalUse } from './model.js';
import { inlineGlobalUses, resolveFile, type FileResolution } from './resolve-file.js';
import { tuneJitForAnalysis } from './jit-tuning.js';
import { ParsedSources } from './parsed-sources.js';

export interface AnalyzeOptions {
  macros: MacroTable;
  /** Library directories named by a configuration (absolute paths) without their keys. */
  extraLibraryDirs?: string[];
  /** The build: platform, architecture and the libraries a configuration names (with `path:`s). */
  selection?: SelectionOptions;
  /** What the project file declares about gates (caller-domain libraries, overrides). */
  project?: ProjectSettings;
  /**
   * Keep parse trees and texts (rewrite and port edit them): of every file (true), of none
   * (false: analysis.parsed stays empty), or of the files of the libraries a predicate picks
   * (`port --lib`; rewrite's picks none); with a predicate, the other files' trees are parsed
   * again when asked for (analysis.parsed, parsed-sources.ts) and those files can go to workers.
   */
  keepParsed?: boolean | ((library: Library | null) => boolean);
  onFile?: (path: string, done: number, total: number) => void;
  /**
   * Threads for the per-file step (read, parse, facts); 1 = this thread only. Files whose trees
   * are kept stay on this thread (trees cannot cross threads); ignored where the compiled worker
   * is absent. `auto`: one per core on trees of at least 512 KB of source (parallel.ts).
   */
  threads?: number | 'auto';
}

/** Every file's resolution joined (combineResolutions), with the tree-wide uses and findings added. */
export interface TreeAnalysis extends FileResolution {
  root: string;
  libraries: Library[];
  /** The build analysed: platform, libc, what was left out and the gate aliases. */
  build: BuildSelection;
  index: TreeIndex;
  /** Globals of one library used by name from code running in another (direct or through a header inline). */
  globalUses: ResolvedGlobalUse[];
  /** Parse trees by file (see keepParsed): kept ones, and the others parsed on request. */
  parsed: Map<string, ParsedSource>;
  totalLines: number;
}

/** Per-file step: read, parse and extract facts for one file of a tree. */
export function analyzeFile(root: string, path: string, library: string | null, macros: MacroTable): { facts: FileFacts; parsed: ParsedSource } {
  tuneJitForAnalysis();
  const source = readSource(join(root, path));
  const parsed = parseSource(path, source.text, macros);
  const facts = extractFacts(parsed, { path, library, isHeader: path.endsWith('.h') });
  // what this file hides from flexos, found while its parse tree is at hand (worker threads too)
  facts.unseen = unseenCode(parsed, facts);
  return { parsed, facts };
}

/** Discover → parse every file → index → resolve. */
export function analyzeTree(rootArg: string, options: AnalyzeOptions): TreeAnalysis {
  tuneJitForAnalysis();
  const root = resolvePath(rootArg);
  const listing = listTree(root);
  const libraries = [...listing.libraries];
  const listed = [...listing.files];
  const problems = [...listing.problems];
  const configured = options.selection?.configuredLibraries ?? [];
  const externalDirs = [...configured.flatMap((c) => (c.path ? [{ dir: c.path, key: c.key }] : [])), ...(options.extraLibraryDirs ?? []).map((dir) => ({ dir, key: undefined }))];
  for (const { dir, key } of externalDirs) {
    const lib = readLibraryDir(root, dir);
    if (key !== undefined) lib.configKey = key;
    if (!libraries.some((l) => l.name === lib.name)) libraries.push(lib);
    const sub = listTree(dir);
    problems.push(...sub.problems.map((p) => ({ ...p, path: toPosix(relative(root, join(dir, p.path))) })));
    for (const f of sub.files) {
      const rel = toPosix(relative(root, join(dir, f)));
      if (!listed.includes(rel)) listed.push(rel);
    }
  }
  const build = selectBuild(libraries, listed, options.selection ?? {});
  const files = build.files;
  const diagnostics: Diagnostic[] = problems.map((p): Diagnostic => ({ code: p.code, severity: p.severity, file: p.path, line: 1, column: 1, message: p.message }));
  diagnostics.push(...listing.hostTools.map((h) => ({
    code: 'host-tools',
    severity: 'note' as const,
    file: h.dir,
    line: 1,
    column: 1,
    message: `${h.dir}/ holds host tools (${h.files} C files built for the build machine, not the unikernel): not a library, not analyzed`,
  })));
  const parsed = new ParsedSources(root, options.macros);
  const facts: FileFacts[] = [];
  let totalLines = 0;
  // sizes decide `auto` and the order files are taken in: read once, and only for threads
  const sizes = (options.threads ?? 1) === 1 ? null : fileSizes(root, files.map((path) => ({ path })));
  const threads = sizes === null ? 1 : threadsFor(sizes, options.threads ?? 1);
  const keep = options.keepParsed;
  const jobs = files.map((path, i) => {
    const library = owningLibrary(build.libraries, path) ?? null;
    return { path, library: library?.name ?? null, size: sizes?.[i] ?? 0, keepTree: keep === true || (typeof keep === 'function' && keep(library)) };
  });
  if (threads > 1 && files.length > 1 && jobs.some((j) => !j.keepTree) && workersAvailable()) {
    analyzeFilesInParallel(root, jobs, options.macros, threads, options.onFile).forEach((outcome, i) => {
      if ('facts' in outcome) {
        facts.push(outcome.facts);
        totalLines += outcome.facts.lineCount;
        if (outcome.parsed) parsed.keep(files[i]!, outcome.parsed);
        else if (keep) parsed.defer(outcome.facts);
      } else diagnostics.push(unreadable(files[i]!, outcome.inputError));
    });
  } else jobs.forEach(({ path, library, keepTree }, i) => {
    options.onFile?.(path, i, files.length);
    try {
      const result = analyzeFile(root, path, library, options.macros);
      facts.push(result.facts);
      totalLines += result.facts.lineCount;
      if (keepTree) parsed.keep(path, result.parsed);
      else if (keep) parsed.defer(result.facts);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      diagnostics.push(unreadable(path, err));
    }
  });
  for (const f of facts) diagnostics.push(...(f.unseen ?? []));
  const index = new TreeIndex(build.libraries, facts, build.aliases);
  const analysis = resolveTree(root, index, build, options.project);
  analysis.diagnostics.push(...diagnostics);
  analysis.diagnostics.sort(compareDiagnostics);
  analysis.parsed = parsed;
  analysis.totalLines = totalLines;
  return analysis;
}

function unreadable(path: string, err: InputError): Diagnostic {
  const m = /^[^:]*(?::(\d+):(\d+))?: (.*)$/.exec(err.message);
  return { code: 'unreadable-file', severity: 'error', file: path, line: Number(m?.[1] ?? 1), column: Number(m?.[2] ?? 1), message: m?.[3] ?? err.message };
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
export function resolveTree(root: string, index: TreeIndex, build: BuildSelection = emptySelection(index), project?: ProjectSettings): TreeAnalysis {
  return combineResolutions(root, index, index.files.map((f) => resolveFile(index, f)), { build, ...(project ? { project } : {}) });
}

export interface CombineOptions {
  build?: BuildSelection;
  project?: ProjectSettings;
  /** The gate decisions' graph, when the caller keeps one (an editor rebuilds it on save only). */
  reach?: ReachAnalysis;
  /** Decide only the calls of these files; the others keep the decisions they carry (an editor's unchanged files). */
  decideFiles?: ReadonlySet<string>;
}

/** A tree's analysis from per-file resolutions (in index.files order) plus the tree-wide findings. */
export function combineResolutions(root: string, index: TreeIndex, perFile: readonly FileResolution[], options: CombineOptions = {}): TreeAnalysis {
  const build = options.build ?? emptySelection(index);
  const a: TreeAnalysis = { root, libraries: [...index.libraries], build, index, calls: [], gates: [], functionRefs: [], addressArguments: [], globalUses: [], diagnostics: [], parsed: new Map(), totalLines: 0 };
  for (const f of index.files) a.totalLines += f.lineCount;
  for (const r of perFile) {
    a.calls.push(...r.calls);
    a.gates.push(...r.gates);
    a.functionRefs.push(...r.functionRefs);
    a.addressArguments.push(...r.addressArguments);
    a.globalUses.push(...r.globalUses);
    a.diagnostics.push(...r.diagnostics);
  }
  const reach = options.reach ?? reachAnalysis(index, options.project, a.diagnostics);
  for (const call of a.calls) {
    if (options.decideFiles && !options.decideFiles.has(call.file)) continue;
    const decision = reach.decide(call);
    if (decision) call.gate = decision;
    else delete call.gate;
  }
  a.globalUses.push(...inlineGlobalUses(index, a.calls));
  a.diagnostics.push(...duplicateExports(index));
  a.diagnostics.sort(compareDiagnostics);
  return a;
}

/** Which calls need a gate, over the whole index (see reach.ts); project-file errors go to `diagnostics`. */
export function reachAnalysis(index: TreeIndex, project: ProjectSettings | undefined, diagnostics: Diagnostic[]): ReachAnalysis {
  return new ReachAnalysis(index, reachPolicy(index, project, diagnostics));
}

/** The project file's declarations over the defaults; names it cannot resolve are reported at their key. */
function reachPolicy(index: TreeIndex, project: ProjectSettings | undefined, diagnostics: Diagnostic[]): ReachPolicy {
  const policy = defaultReachPolicy(index);
  if (!project) return policy;
  const callerDomain = new Set<string>();
  for (const entry of project.callerDomain ?? []) {
    const lib = resolveLibraryName(index, entry.name);
    if (lib) callerDomain.add(lib.library.name);
    else diagnostics.push({ code: 'project-unknown-library', severity: 'warning', file: project.file, line: entry.location.line, column: entry.location.column, message: `caller-domain names '${entry.name}', which is no library of this build; fix the name or remove it` });
  }
  return {
    callerDomain: project.callerDomain ? callerDomain : policy.callerDomain,
    absentSources: project.absentSources ?? policy.absentSources,
    alwaysGate: new Set(project.gate ?? []),
    neverGate: new Set(project.noGate ?? []),
  };
}

/** The selection of a tree re-analysed without its listing (an editor's index). */
function emptySelection(index: TreeIndex): BuildSelection {
  return { target: { architecture: DEFAULT_ARCHITECTURE, platform: DEFAULT_PLATFORM, libc: 'nolibc' }, libraries: [...index.libraries], files: index.files.map((f) => f.path), inactive: [], aliases: new Map(index.aliases) };
}

/** Two libraries defining the same exported symbol: reported, never guessed (issue 2). */
function duplicateExports(index: TreeIndex): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const file of index.files) {
    for (const fn of file.functions) {
      if (fn.linkage === 'static' || seen.has(fn.name)) continue;
      const d = duplicateExport(index, fn.name);
      if (!d) continue;
      seen.add(fn.name);
      out.push(d);
    }
  }
  return out;
}

/**
 * The duplicate-export findings located in one file (those duplicateExports reports there): a
 * finding sits at the first definition in path order, so only this file's own names can put one here.
 */
export function duplicateExportsIn(index: TreeIndex, path: string): Diagnostic[] {
  const file = index.file(path);
  if (!file) return [];
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const fn of file.functions) {
    if (fn.linkage === 'static' || seen.has(fn.name)) continue;
    seen.add(fn.name);
    const d = duplicateExport(index, fn.name);
    if (d && d.file === path) out.push(d);
  }
  return out;
}

/** The finding for one exported name defined by two libraries or more, at its first definition; null when there is none. */
function duplicateExport(index: TreeIndex, name: string): Diagnostic | null {
  const all = index.definitions(name);
  // most names have one definition: no duplicate, and no filtering of it (an editor asks per edit)
  if (all.length < 2) return null;
  const defs = all.filter((d) => d.library !== null && index.exports(d.library).has(name));
  const libs = [...new Set(defs.map((d) => d.library!))].sort();
  if (libs.length < 2) return null;
  const first = defs.sort((a, b) => (a.file < b.file ? -1 : 1))[0]!;
  const firstFile = index.file(first.file)!;
  const pos = positionOf(firstFile, first.def.nameSpan.start);
  return {
    code: 'duplicate-export',
    severity: 'warning',
    file: first.file,
    line: pos.line,
    column: pos.column,
    start: first.def.nameSpan.start,
    end: first.def.nameSpan.end,
    message: `'${name}' is exported by ${libs.join(' and ')} (${defs.map((d) => d.file).join(', ')}); calls to it are not attributed to either (and not gated by port) — rename one or drop it from an exportsyms.uk`,
  };
}
