// Types for the parts of bench/lib.js that test/bench imports.
export interface FunctionOpening {
  /** Offset of the first header line (column 0). */
  head: number;
  /** Offset of the body's `{`. */
  brace: number;
}
export function codeOnly(text: string): string;
export function functionOpenings(code: string): FunctionOpening[];
