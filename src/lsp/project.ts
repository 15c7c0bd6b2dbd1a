/**
 * The language server's view of one tree: the whole tree is analysed once; an edited file is
 * re-parsed incrementally, its facts replace the old ones in the TreeIndex and only that file is
 * resolved again — the other files' resolutions are kept, so a cross-library check on one file
 * never re-reads the tree, and its checks run over the part of the analysis they read for it
 * (analysisFor). Saving re-resolves every file (a new export or global in the saved
 * file may change what other files' calls mean).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeTree, combineResolutions, duplicateExportsIn, reachAnalysis, type TreeAnalysis } from '../analyze/analyze-tree.js';
import { isWhitelist } from '../analyze/attributes.js';
import type { BuildSelection, SelectionOptions } from '../analyze/build-selection.js';
import type { ReachAnalysis } from '../analyze/reach.js';
import type { ProjectSettings } from '../config/project.js';
import { checkAnalysis } from '../analyze/checks/check-tree.js';
import type { Finding } from '../analyze/checks/model.js';
import { extractFacts } from '../analyze/facts.js';
import { sameFactsWithin, spliceFacts, spliceTarget } from '../analyze/facts-splice.js';
import type { FileFacts, ResolvedCall } from '../analyze/model.js';
import type { TreeIndex } from '../analyze/index.js';
import { owningLibrary } from '../analyze/libraries.js';
import { inlineGlobalUses, resolveFile, type FileResolution } from '../analyze/resolve-file.js';
import { compareDiagnostics } from '../diagnostics/diagnostic.js';
import type { MacroTable } from '../parse/macro-table.js';
import { parseSourceIncremental, type IncrementalState } from '../parse/parser.js';
import type { Deployment } from '../transform/deployment.js';
import { ByteText } from './positions.js';

/** What the checks of another file read of a file's resolution (analysisFor), kept with it. */
interface OtherFileParts {
  /** Address arguments naming a global (overshared and crossings look for those tree-wide). */
  globalArguments: FileResolution['addressArguments'];
  /** Calls of header inlines (inlineGlobalUses: the first caller of each inline per library). */
  inlineCalls: ResolvedCall[];
}

const otherParts = new WeakMap<FileResolution, OtherFileParts>();

function otherFileParts(r: FileResolution): OtherFileParts {
  let parts = otherParts.get(r);
  if (!parts) {
    parts = { globalArguments: r.addressArguments.filter((x) => x.binding === 'global'), inlineCalls: r.calls.filter((c) => c.class === 'inline-header') };
    otherParts.set(r, parts);
  }
  return parts;
}

export interface OpenDocument {
  path: string;
  text: ByteText;
  state: IncrementalState;
}

export class Project {
  private readonly resolutions = new Map<string, FileResolution>();
  private readonly open = new Map<string, OpenDocument>();
  private combined: TreeAnalysis | null = null;
  private reach: ReachAnalysis | null = null;
  /** Files whose calls carry no gate decision yet (re-resolved since the last analysis). */
  private undecided = new Set<string>();
  private policyDiagnostics: TreeAnalysis['diagnostics'] = [];

  private constructor(
    readonly root: string,
    readonly index: TreeIndex,
    private readonly macros: MacroTable,
    readonly deployment: Deployment | null,
    private readonly build: BuildSelection,
    private readonly settings: ProjectSettings | undefined,
  ) {}

  static load(root: string, macros: MacroTable, deployment: (libraries: TreeAnalysis['libraries']) => Deployment | null, options: { selection?: SelectionOptions; project?: ProjectSettings } = {}): Project {
    const analysis = analyzeTree(root, { macros, ...options });
    const project = new Project(analysis.root, analysis.index, macros, deployment(analysis.libraries), analysis.build, options.project);
    project.resolveAll();
    return project;
  }

  /**
   * Re-resolves every file against the current index, and rebuilds the graph that decides which
   * calls need a gate (whole-tree; an edit in between reuses the last one for its own calls).
   */
  resolveAll(): void {
    for (const f of this.index.files) this.resolutions.set(f.path, resolveFile(this.index, f));
    this.policyDiagnostics = [];
    this.reach = reachAnalysis(this.index, this.settings, this.policyDiagnostics);
    this.undecided = new Set(this.index.files.map((f) => f.path));
    this.combined = null;
  }

  isOpen(path: string): boolean {
    return this.open.has(path);
  }

  document(path: string): OpenDocument | undefined {
    return this.open.get(path);
  }

  openPaths(): string[] {
    return [...this.open.keys()].sort();
  }

  /**
   * The editor's text for a file (open or changed), parsed incrementally from its last parse;
   * `full`: read all of its facts again rather than splicing the edited function's (on save).
   * Returns false when nothing the analysis reads changed (the last findings still hold).
   */
  update(path: string, editorText: string, full = false): boolean {
    const text = ByteText.fromEditor(editorText);
    const previous = this.open.get(path)?.state ?? null;
    const { parsed, state, change } = parseSourceIncremental(path, text.bytes, this.macros, previous);
    const library = owningLibrary(this.index.libraries, path)?.name ?? null;
    const options = { path, library, isHeader: path.endsWith('.h') };
    const old = this.index.file(path);
    let facts: FileFacts | null = null;
    // an edit inside one function body: read that function again, keep (and move) the rest
    if (!full && old && change && previous && !parsed.macroSites.some((m) => m.kind === 'skipped-branch')) {
      const target = spliceTarget(old, change, parsed.tree.rootNode);
      if (target) {
        const part = extractFacts(parsed, options, { within: target.node, names: old });
        const delta = change.newEnd - change.oldEnd;
        // nothing the analysis reads changed (same offsets, same facts): the findings stand
        if (delta === 0 && sameFactsWithin(old, part, target.fn.span)) {
          old.hash = part.hash;
          this.open.set(path, { path, text, state });
          return false;
        }
        facts = spliceFacts(old, part, target.fn.span, delta);
      }
    }
    facts ??= extractFacts(parsed, options);
    this.index.replaceFile(facts);
    this.resolutions.set(path, resolveFile(this.index, facts));
    this.undecided.add(path);
    this.combined = null;
    this.open.set(path, { path, text, state });
    return true;
  }

  close(path: string): void {
    this.open.delete(path);
  }

  /** The analysis of the whole tree from the per-file resolutions. */
  analysis(): TreeAnalysis {
    if (!this.combined) {
      this.decidePending();
      const perFile = this.index.files.map((f) => this.resolutions.get(f.path) ?? resolveFile(this.index, f));
      this.combined = combineResolutions(this.root, this.index, perFile, { build: this.build, ...(this.reach ? { reach: this.reach, decideFiles: new Set<string>() } : {}) });
      this.combined.diagnostics.push(...this.policyDiagnostics);
    }
    return this.combined;
  }

  /** Gate decisions for the calls of the files re-resolved since the last ones (the kept graph decides). */
  private decidePending(): void {
    if (!this.reach) return;
    for (const path of this.undecided) {
      for (const call of this.resolutions.get(path)?.calls ?? []) {
        const decision = this.reach.decide(call);
        if (decision) call.gate = decision;
        else delete call.gate;
      }
    }
    this.undecided = new Set();
  }

  /**
   * What the checks read when they report on one file only: the whole analysis less what no
   * check looks at for findings in `path` (every check skips calls, function references and
   * diagnostics of other files; other files' address arguments and global uses matter only for
   * globals — crossings.ts, overshared.ts). Same arrays in the same order as analysis() gives,
   * filtered, so the findings of `path` are the same; it skips concatenating and sorting the
   * whole tree's calls and diagnostics after every edit.
   */
  private analysisFor(path: string): TreeAnalysis {
    const own = this.resolutions.get(path);
    const facts = this.index.file(path);
    if (this.combined || !this.reach || !own || !facts) return this.analysis();
    this.decidePending();
    // overshared looks for the whitelisted globals of the file in every other file's uses
    const wanted = new Set(facts.globals.filter((v) => v.attributes.some(isWhitelist)).map((v) => v.name));
    const a: TreeAnalysis = {
      root: this.root,
      libraries: [...this.index.libraries],
      build: this.build,
      index: this.index,
      calls: [...own.calls],
      gates: [],
      functionRefs: [...own.functionRefs],
      addressArguments: [],
      globalUses: [],
      diagnostics: [],
      parsed: new Map(),
      totalLines: 0,
    };
    const inlineCalls: ResolvedCall[] = [];
    for (const f of this.index.files) {
      a.totalLines += f.lineCount;
      const r = this.resolutions.get(f.path) ?? resolveFile(this.index, f);
      if (f.path === path) {
        a.gates.push(...r.gates);
        a.addressArguments.push(...r.addressArguments);
        a.globalUses.push(...r.globalUses);
      } else {
        const o = otherFileParts(r);
        // other files' gates matter only as the calls of their global address arguments (crossings.ts)
        if (o.globalArguments.length > 0) a.gates.push(...r.gates);
        a.addressArguments.push(...o.globalArguments);
        if (wanted.size > 0) for (const u of r.globalUses) if (wanted.has(u.variable.name)) a.globalUses.push(u);
      }
      // which file's call reaches a header inline first is decided over the whole tree (resolve-file.ts)
      inlineCalls.push(...otherFileParts(r).inlineCalls);
    }
    a.globalUses.push(...inlineGlobalUses(this.index, inlineCalls));
    a.diagnostics.push(...own.diagnostics, ...duplicateExportsIn(this.index, path));
    a.diagnostics.sort(compareDiagnostics);
    a.diagnostics.push(...this.policyDiagnostics.filter((d) => d.file === path));
    return a;
  }

  /** Bytes of a file: the editor's buffer when open, else the disk. */
  bytes(path: string): ByteText | null {
    const doc = this.open.get(path);
    if (doc) return doc.text;
    try {
      return new ByteText(readFileSync(join(this.root, path), 'latin1'));
    } catch {
      return null;
    }
  }

  /** Findings of one file (every check, suppressions applied). */
  check(path: string): Finding[] {
    return checkAnalysis(this.analysisFor(path), { deployment: this.deployment, text: (f) => this.bytes(f)?.bytes ?? null, scope: new Set([path]) }).findings.filter((f) => f.file === path);
  }
}
