import MagicString from 'magic-string';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { positionOf } from '../analyze/facts.js';
import type { FileFacts, Span } from '../analyze/model.js';

/** One file's edits and findings; every edit is at a tree-sitter offset of the original text. */
export class FileEdits {
  readonly code: MagicString;
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly facts: FileFacts,
    readonly text: string,
  ) {
    this.code = new MagicString(text);
  }

  report(code: string, severity: Diagnostic['severity'], span: Span, message: string): void {
    const pos = positionOf(this.facts, span.start);
    this.diagnostics.push({ code, severity, file: this.facts.path, line: pos.line, column: pos.column, start: span.start, end: span.end, message });
  }

  get hasErrors(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }
}
