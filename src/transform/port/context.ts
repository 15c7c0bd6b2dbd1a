/** What every part of `port` shares while it walks one tree. */
import { localInScope } from '../../analyze/scopes.js';
import type { TreeAnalysis } from '../../analyze/analyze-tree.js';
import { positionOf } from '../../analyze/facts.js';
import type { FileFacts, Span, VariableDecl } from '../../analyze/model.js';
import { fileTables, resolveFunctionName } from '../../analyze/resolve.js';
import { InputError } from '../../diagnostics/input-error.js';
import type { NameFacts } from './evaluation-order.js';
import { FileWork } from './file-work.js';
import { IncludeClosure } from '../../analyze/include-closure.js';
import { MacroDefinitions } from './macros.js';
import type { ManualReason, ManualSite } from './model.js';
import { TypedefTable } from './value-class.js';

export class PortContext {
  readonly typedefs: TypedefTable;
  readonly macros: MacroDefinitions;
  readonly includes: IncludeClosure;
  readonly manual: ManualSite[] = [];
  private readonly work = new Map<string, FileWork>();

  constructor(
    readonly analysis: TreeAnalysis,
    readonly chosen: ReadonlySet<string>,
    /** Gate calls that cannot move in place, inside a statement expression (port --in-place-gates). */
    readonly inPlaceGates = false,
  ) {
    this.typedefs = TypedefTable.of(analysis.index.files, (path) => analysis.parsed.get(path));
    this.macros = new MacroDefinitions(analysis.parsed, analysis.index.files);
    this.includes = new IncludeClosure(analysis.index);
  }

  get index() {
    return this.analysis.index;
  }

  /** Is the file in a library being ported? */
  ported(file: FileFacts | undefined): file is FileFacts & { library: string } {
    return file !== undefined && file.library !== null && this.chosen.has(file.library);
  }

  /** The file's edit state, created on first use (only files of ported libraries). */
  file(path: string): FileWork {
    let w = this.work.get(path);
    if (!w) {
      const facts = this.index.file(path);
      const parsed = this.analysis.parsed.get(path);
      if (!facts || !parsed || facts.library === null) throw new InputError(`${path}: not analysed with its parse tree; run port on the tree root`);
      w = new FileWork(facts, parsed, facts.library);
      this.work.set(path, w);
    }
    return w;
  }

  touchedFiles(): FileWork[] {
    return [...this.work.values()].sort((a, b) => (a.facts.path < b.facts.path ? -1 : a.facts.path > b.facts.path ? 1 : 0));
  }

  report(facts: FileFacts, span: Span, reason: ManualReason, message: string, extra: { callee?: string; inFunction?: string | null } = {}): void {
    const pos = positionOf(facts, span.start);
    const site: ManualSite = { file: facts.path, library: facts.library ?? '', line: pos.line, column: pos.column, span, reason, message };
    if (extra.callee) site.callee = extra.callee;
    if (extra.inFunction) site.inFunction = extra.inFunction;
    this.manual.push(site);
  }

  /** Name questions for the evaluation-order check, seen from one file. */
  names(facts: FileFacts): NameFacts {
    const index = this.index;
    const macros = this.macros;
    const tables = fileTables(facts);
    const text = this.analysis.parsed.get(facts.path)?.text ?? '';
    return {
      isMacro: (name) => {
        const target = resolveFunctionName(index, facts, name);
        if (target.class === 'macro') return true;
        if (target.class !== 'external') return this.includes.shadowing(facts, name)?.includes('macro') ?? false;
        return name === 'assert' || /^[A-Z_][A-Z0-9_]*$/.test(name) || this.includes.shadowing(facts, name) !== null;
      },
      macroEvaluatesOnce: (name) => macros.evaluatesArgumentsOnce(name),
      isVolatile: (name, at) => {
        const local = localAt(facts, name, at);
        if (local) return isVolatileDecl(text, local);
        const fn = facts.functions.find((f) => at >= f.body.start && at < f.body.end);
        const param = fn?.params.find((p) => p.name === name);
        if (param) return /\bvolatile\b/.test(param.type);
        const global = tables.globals.get(name);
        if (global) return isVolatileDecl(text, global);
        const def = index.globalDefinitions(name)[0];
        return def ? /\bvolatile\b/.test(def.def.type) : false;
      },
    };
  }
}

/** The local named `name` in scope at `at` (innermost), if any. */
export function localAt(facts: FileFacts, name: string, at: number): VariableDecl | null {
  return localInScope(facts, fileTables(facts).locals.get(name) ?? [], at);
}

/** Volatile in the base type or in any declarator of the declaration (conservative). */
function isVolatileDecl(text: string, v: VariableDecl): boolean {
  return /\bvolatile\b/.test(v.type) || /\bvolatile\b/.test(text.slice(v.span.start, v.span.end));
}
