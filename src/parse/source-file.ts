import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
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
  // opened without blocking and checked on the open file: a FIFO (or a link to one) would make
  // a plain read wait for a writer for ever, and a check by name before the read could be
  // answered by another file than the one read
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputError(`${path}: no such file; check the path`);
    if (code === 'EACCES' || code === 'EPERM') throw new InputError(`${path}: cannot be read (permission denied); make it readable`);
    throw new InputError(`${path}: cannot be opened (${code ?? (err as Error).message})`);
  }
  let buf: Buffer;
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputError(`${path}: is a directory, expected a C source file`);
    const special = notRegularFile(st);
    if (special !== null) throw new InputError(`${path}: ${special}`);
    buf = readFileSync(fd);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  } finally {
    closeSync(fd);
  }
  const nul = buf.indexOf(0);
  if (nul !== -1) {
    const { line, column } = lineColumnOfBuffer(buf, nul);
    throw new InputError(`${path}:${line}:${column}: binary file (NUL byte); flexos reads C source text only`);
  }
  return { path, text: buf.toString('latin1') };
}

/** What fstat/stat/a directory entry tells of a file's type. */
export interface FileType {
  isFile(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}

/**
 * Why a file that is neither regular nor a directory is not read, in words (the listing and
 * readSource say the same); null for a regular file.
 */
export function notRegularFile(st: FileType): string | null {
  if (st.isFile()) return null;
  const kind = st.isFIFO() ? 'a FIFO (named pipe)' : st.isSocket() ? 'a socket' : st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device' : 'a special file';
  return `${kind}, not a regular file: not read (its sources are not analyzed); put the source file itself there`;
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
