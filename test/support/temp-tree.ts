/**
 * Small trees of test files in temp directories. Jest loads this module afresh for every test
 * file, so the list of directories is that file's own; test/support/cleanup.ts (every test file's
 * setup) deletes them after the file's last test.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const made: string[] = [];

/** A new, empty temp directory, deleted after the test file (its name starts with `prefix`). */
export function newTempDir(prefix = 'flexos-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A new temp directory holding `files`, keyed by path relative to it. */
export function writeTempTree(files: Record<string, string | Buffer>): string {
  const root = newTempDir();
  writeFiles(root, files);
  return root;
}

/**
 * A copy of the tree at `source` with `files` written over it, as `tree` in a new temp directory
 * (outputs can go beside it, inside the same directory).
 */
export function copyToTempTree(source: string, files: Record<string, string | Buffer> = {}): string {
  const root = join(newTempDir(), 'tree');
  cpSync(source, root, { recursive: true });
  writeFiles(root, files);
  return root;
}

/** Writes `files` (path relative to `root` → content) below `root`, making their directories. */
export function writeFiles(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
}

/** Deletes every tree this module made in this test file. */
export function removeTempTrees(): void {
  for (const t of made.splice(0)) rmSync(t, { recursive: true, force: true });
}
