import { chmodSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { toPosix } from '../../analyze/libraries.js';
import { InputError } from '../../diagnostics/input-error.js';
import { FILE_ENCODING } from '../atomic-write.js';
import { commitChanges, type FileChange } from '../transaction.js';
import { inputFiles } from './layout.js';
import type { UnikraftRewrite } from './unikraft-rewrite.js';

/**
 * Writes a Unikraft rewrite all-or-nothing. Out of tree (the default): the tree, the libraries
 * and the app are copied under `outDir` in the same layout relative to each other, with the
 * rewritten and generated files in place; fetched build directories keep their timestamps so
 * that make does not unpack (and overwrite) the rewritten sources again, and executable files
 * stay executable. In place: only the
 * files that change are written.
 */
export async function writeUnikraftRewrite(r: UnikraftRewrite, target: { outDir: string } | { inPlace: true }): Promise<string[]> {
  const staged = new Map<string, string | Buffer>();
  const expected = new Map<string, Buffer | null>();
  const times = new Map<string, { atime: Date; mtime: Date }>();
  // executable scripts (support/scripts/*) must stay executable
  const modes = new Map<string, number>();
  const where = 'outDir' in target ? resolve(target.outDir) : r.layout.workspace;
  try {
    if ('outDir' in target) {
      const copy = (abs: string, keepTime: boolean): void => {
        const rel = toPosix(relative(r.layout.workspace, abs));
        const dest = join(where, rel);
        staged.set(dest, r.files.get(rel) ?? readFileSync(abs));
        const st = statSync(abs);
        if (st.mode & 0o111) modes.set(dest, st.mode & 0o7777);
        if (keepTime) times.set(dest, { atime: st.atime, mtime: st.mtime });
      };
      for (const root of r.copyRoots) for (const rel of inputFiles(root)) copy(join(root, rel), false);
      for (const dir of r.keepTimes) for (const rel of inputFiles(dir)) copy(join(dir, rel), true);
      for (const [rel, text] of r.files) if (!staged.has(join(where, rel))) staged.set(join(where, rel), text);
    } else {
      for (const [rel, text] of r.files) {
        const dest = join(where, rel);
        let current: string | null = null;
        try {
          current = readFileSync(dest, 'latin1');
        } catch {
          current = null;
        }
        if (current !== text) {
          staged.set(dest, text);
          expected.set(dest, current === null ? null : Buffer.from(current, FILE_ENCODING));
        }
      }
    }
    // all files or none, each in-place target checked unchanged since it was read (emit/transaction.ts)
    const changes: FileChange[] = [...staged].map(([path, content]) => {
      const change: FileChange = { path, content: typeof content === 'string' ? Buffer.from(content, FILE_ENCODING) : content };
      if (expected.has(path)) change.expected = expected.get(path)!;
      return change;
    });
    await commitChanges(where, changes);
    for (const [dest, mode] of modes) chmodSync(dest, mode);
    for (const [dest, t] of times) utimesSync(dest, t.atime, t.mtime);
  } catch (err) {
    throw new InputError(`${where}: could not write the rewritten tree, no file was changed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return [...staged.keys()];
}
