/** One file being ported: its edits (MagicString at tree-sitter offsets), proposals and temporaries. */
import MagicString from 'magic-string';
import { positionOf } from '../../analyze/facts.js';
import type { FileFacts, FunctionDef, Span } from '../../analyze/model.js';
import type { ParsedSource } from '../../parse/parser.js';
import type { Proposal } from './model.js';

export class FileWork {
  code: MagicString;
  readonly proposals: Proposal[] = [];
  /** Start offsets of statement-level comma expressions already split into statements. */
  splitCommas = new Set<number>();
  private readonly usedNames = new Map<string, Set<string>>();

  constructor(
    readonly facts: FileFacts,
    readonly parsed: ParsedSource,
    readonly library: string,
  ) {
    this.code = new MagicString(parsed.text);
  }

  get text(): string {
    return this.parsed.text;
  }

  propose(p: Omit<Proposal, 'file' | 'library' | 'line' | 'column'>): void {
    const pos = positionOf(this.facts, p.span.start);
    const { kind, ...rest } = p;
    this.proposals.push({ kind, file: this.facts.path, library: this.library, line: pos.line, column: pos.column, ...rest });
  }

  /**
   * A fresh name `<base><n>` (or `<base>` itself when `numbered` is false and it is free) for a
   * temporary in `fn`: never one the function already uses.
   */
  freshName(fn: FunctionDef, base: string, numbered: boolean): string {
    const key = `${fn.span.start}`;
    let used = this.usedNames.get(key);
    if (!used) {
      used = new Set(this.text.slice(fn.span.start, fn.span.end).match(/\b[A-Za-z_]\w*\b/g) ?? []);
      this.usedNames.set(key, used);
    }
    let name = numbered ? `${base}1` : base;
    for (let n = 2; used.has(name); n++) name = `${base}${n}`;
    used.add(name);
    return name;
  }

  /**
   * Runs `edit` on the file; when the edits it records collide with earlier ones (MagicString
   * refuses), the file is restored as it was and false is returned.
   */
  attempt(edit: () => void): boolean {
    const backup = this.code.clone();
    const proposals = this.proposals.length;
    const commas = new Set(this.splitCommas);
    try {
      edit();
      return true;
    } catch {
      this.code = backup;
      this.splitCommas = commas;
      this.proposals.length = proposals;
      return false;
    }
  }

  /** The enclosing function definition of an offset. */
  functionAt(offset: number): FunctionDef | null {
    for (const f of this.facts.functions) if (offset >= f.body.start && offset < f.body.end) return f;
    return null;
  }

  overlapsParseError(span: Span): boolean {
    return this.facts.parseErrors.some((e) => e.span.start < span.end && span.start < e.span.end);
  }
}
