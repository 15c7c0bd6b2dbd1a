import { readFileSync, statSync } from 'node:fs';
import { InputError } from '../diagnostics/input-error.js';

/**
 * A C file as bytes. We read it as latin1 so that one byte is one string unit: offsets from
 * tree-sitter, magic-string edits and file bytes all agree, and bytes that are not UTF-8 survive
 * a rewrite untouched.
 */
export interface SourceText {
  /** Path as the user or the tree gave it (used in messages). */
  path: string;
  text: string;
}

export function readSource(path: string): SourceText {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new InputError(`${path}: no such file; check the path`);
  }
  if (st.isDirectory()) throw new InputError(`${path}: is a directory, expected a C source file`);
  const buf = readFileSync(path);
  const nul = buf.indexOf(0);
  if (nul !== -1) {
    const { line, column } = lineColumnOfBuffer(buf, nul);
    throw new InputError(`${path}:${line}:${column}: binary file (NUL byte); flexos reads C source text only`);
  }
  return { path, text: buf.toString('latin1') };
}

function lineColumnOfBuffer(buf: Buffer, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (buf[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
