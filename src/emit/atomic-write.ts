import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Text in our files is latin1 (one byte per unit, see parse/source-file.ts). */
export const FILE_ENCODING = 'latin1';

let counter = 0;

function tempName(path: string): string {
  return join(dirname(path), `.${process.pid}.${counter++}.flexos-tmp`);
}

/** Writes a file by temp file + rename: readers see the old or the new content, never half. */
export function writeFileAtomic(path: string, content: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempName(path);
  try {
    writeFileSync(tmp, typeof content === 'string' ? Buffer.from(content, FILE_ENCODING) : content);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes many files all-or-nothing: every temp file is written first; only when all succeeded
 * are they renamed into place. A failure before the renames leaves every target untouched.
 */
export function writeFilesAtomic(files: ReadonlyMap<string, string | Buffer>): void {
  const staged: [string, string][] = [];
  try {
    for (const [path, content] of files) {
      mkdirSync(dirname(path), { recursive: true });
      const tmp = tempName(path);
      staged.push([tmp, path]);
      writeFileSync(tmp, typeof content === 'string' ? Buffer.from(content, FILE_ENCODING) : content);
    }
  } catch (err) {
    for (const [tmp] of staged) rmSync(tmp, { force: true });
    throw err;
  }
  for (const [tmp, path] of staged) renameSync(tmp, path);
}
