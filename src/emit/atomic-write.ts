import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Text in our files is latin1 (one byte per unit, see parse/source-file.ts). */
export const FILE_ENCODING = 'latin1';

/**
 * Writes one file by temp file + rename: readers see the old or the new content, never half.
 * The parent directory must exist (a recursive mkdir loops on /proc); many files at once go
 * through emit/transaction.ts instead.
 */
export function writeFileAtomic(path: string, content: string | Buffer): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.flexos-tmp`);
  try {
    writeFileSync(tmp, typeof content === 'string' ? Buffer.from(content, FILE_ENCODING) : content);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * writeFileAtomic into a directory flexos owns (explore's work directory, its outputs), created
 * first when missing. Not for user-named output trees: those are checked by emit/output-layout.ts.
 */
export function writeFileAtomicMkdir(path: string, content: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, content);
}
