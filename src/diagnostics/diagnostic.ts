/** A finding at a place in a file, printed gcc-style as `file:line:col: severity: message [code]`. */
export interface Diagnostic {
  code: string;
  severity: 'error' | 'warning' | 'note';
  file: string;
  line: number;
  column: number;
  /** Byte offsets into the file, when the finding has a range. */
  start?: number;
  end?: number;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message} [${d.code}]`;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}
