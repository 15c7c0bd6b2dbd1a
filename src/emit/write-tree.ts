import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Library } from '../analyze/model.js';
import { toPosix } from '../analyze/libraries.js';
import { commitChanges, JOURNAL_DIR, listFiles, WriteError, type FileChange } from './transaction.js';
import { isOutsideTree, outputLibraryDir, outputPath } from './output-layout.js';
import { FILE_ENCODING } from './atomic-write.js';
import { classifyLink, undecodableName } from '../analyze/tree-entries.js';

const SKIPPED = new Set(['.git', 'node_modules', 'build', JOURNAL_DIR]);

/** A previous `flexos rewrite -o` output holds this file; only such a directory may be replaced. */
export const OUTPUT_MARKER = 'flexos/deployment.json';

/** Every regular file of a tree (relative paths), for copying it whole to an output directory. */
export function treeFiles(root: string): string[] {
  const out: string[] = [];
  const realRoot = realpathSync(root);
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (SKIPPED.has(e.name) || undecodableName(e.name)) continue; // such names are reported by the analysis
      const full = join(dir, e.name);
      const rel = toPosix(relative(root, full));
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out.push(rel);
      // a link to a file of the tree is copied as that file's content (links leaving the tree are reported, not copied)
      else if (e.isSymbolicLink() && classifyLink(realRoot, full, rel, true).kind === 'file') out.push(rel);
    }
  };
  walk(root);
  return out.sort();
}

export type WriteTarget = { outDir: string } | { inPlace: true };

/** A rewritten source: what was read and what replaces it (latin1 strings, one unit per byte). */
export interface RewrittenText {
  original: string;
  output: string;
}

const bytes = (text: string): Buffer => Buffer.from(text, FILE_ENCODING);

/** The file a tree path names: itself, or the file of the tree a symbolic link points to (written through, not replaced). */
export function realTarget(root: string, rel: string): string {
  const path = join(root, rel);
  try {
    if (!lstatSync(path).isSymbolicLink()) return path;
    return join(root, relative(realpathSync(root), realpathSync(path)));
  } catch {
    return path;
  }
}

function readIfFile(path: string): Buffer | null {
  try {
    return lstatSync(path).isFile() ? readFileSync(path) : null;
  } catch {
    return null;
  }
}

/** -o may name a new directory, an empty one, or an earlier flexos output: never someone's files. */
export function checkOutputDirectory(outDir: string): 'new' | 'empty' | 'previous-output' {
  let st;
  try {
    st = lstatSync(outDir);
  } catch {
    return 'new';
  }
  if (!st.isDirectory()) throw new WriteError(`${outDir}: exists and is not a directory; pass a directory for -o (nothing was written)`);
  let entries: string[];
  try {
    entries = readdirSync(outDir).filter((e) => e !== JOURNAL_DIR);
  } catch (err) {
    throw new WriteError(`${outDir}: cannot be listed (${(err as NodeJS.ErrnoException).code}); pass a directory you can write (nothing was written)`);
  }
  if (entries.length === 0) return 'empty';
  if (existsSync(join(outDir, OUTPUT_MARKER))) return 'previous-output';
  throw new WriteError(`${outDir}: exists, is not empty and is not a flexos output (no ${OUTPUT_MARKER}); pass a new or empty directory for -o (nothing was written)`);
}

/** The changes that turn `outDir` into exactly this output (stale files of an earlier output go). */
function outputChanges(root: string, outDir: string, libraries: readonly Library[], rewritten: ReadonlyMap<string, RewrittenText>, generated: ReadonlyMap<string, string>): FileChange[] {
  const wanted = new Map<string, () => Buffer>();
  for (const rel of treeFiles(root)) wanted.set(rel, () => readFileSync(join(root, rel)));
  for (const lib of libraries) {
    if (!isOutsideTree(lib.dir)) continue;
    const dir = join(root, lib.dir);
    for (const rel of treeFiles(dir)) wanted.set(`${outputLibraryDir(lib)}/${rel}`, () => readFileSync(join(dir, rel)));
  }
  for (const [rel, t] of rewritten) {
    const text = t.output;
    wanted.set(outputPath(libraries, rel), () => bytes(text));
  }
  for (const [rel, text] of generated) wanted.set(rel, () => bytes(text));
  const changes: FileChange[] = [];
  for (const [rel, content] of [...wanted].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const path = join(outDir, rel);
    const now = readIfFile(path);
    const next = content();
    if (now !== null && now.equals(next)) continue;
    changes.push({ path, content: next, expected: now });
  }
  if (existsSync(outDir)) {
    for (const rel of listFiles(outDir)) {
      if (!wanted.has(rel)) changes.push({ path: join(outDir, rel), expected: readIfFile(join(outDir, rel)) ?? undefined });
    }
  }
  return changes;
}

function inPlaceChanges(root: string, libraries: readonly Library[], rewritten: ReadonlyMap<string, RewrittenText>, generated: ReadonlyMap<string, string>): FileChange[] {
  const outside = libraries.find((l) => isOutsideTree(l.dir));
  if (outside) {
    throw new WriteError(`library ${outside.name} lies outside the tree (${outside.dir}); --in-place writes only inside ${root} — use -o DIR instead (nothing was written)`);
  }
  const changes: FileChange[] = [];
  const byPath = new Map<string, { rel: string; output: string }>();
  for (const [rel, t] of rewritten) {
    if (t.output === t.original) continue;
    const path = realTarget(root, rel);
    const other = byPath.get(path);
    if (other) {
      if (other.output === t.output) continue;
      throw new WriteError(`${rel} and ${other.rel} are the same file (a symbolic link) and rewrite differently (they belong to different libraries); remove the link or use -o (nothing was written)`);
    }
    byPath.set(path, { rel, output: t.output });
    changes.push({ path, content: bytes(t.output), expected: bytes(t.original) });
  }
  for (const [rel, text] of generated) {
    const path = join(root, rel);
    const now = readIfFile(path);
    const next = bytes(text);
    if (now === null || !now.equals(next)) changes.push({ path, content: next, expected: now });
  }
  return changes;
}

/**
 * Writes a rewritten tree: to `outDir` (a full copy with the rewritten files and the generated
 * ones), or in place (only what changed), through one transaction (emit/transaction.ts): every
 * file or none. Returns the paths written and notes (e.g. an interrupted earlier run recovered).
 */
export async function writeRewrittenTree(
  root: string,
  libraries: readonly Library[],
  target: WriteTarget,
  rewritten: ReadonlyMap<string, RewrittenText>,
  generated: ReadonlyMap<string, string>,
): Promise<{ written: string[]; notes: string[] }> {
  if ('outDir' in target) checkOutputDirectory(target.outDir);
  const anchor = 'outDir' in target ? target.outDir : root;
  const changes = 'outDir' in target ? outputChanges(root, target.outDir, libraries, rewritten, generated) : inPlaceChanges(root, libraries, rewritten, generated);
  const notes = await commitChanges(anchor, changes);
  return { written: changes.filter((c) => c.content !== undefined).map((c) => c.path), notes };
}

/** The real path of `p`, or of its nearest existing ancestor joined with the rest. */
function realish(p: string): string {
  let cur = resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(cur), ...rest);
    } catch {
      const parent = dirname(cur);
      if (parent === cur) return join(cur, ...rest);
      rest.unshift(basename(cur));
      cur = parent;
    }
  }
}

/**
 * An output directory must lie outside the tree: the tree itself would be overwritten, and one
 * inside it would be read back as input on the next run (out/out/…).
 */
export function checkOutputOutsideTree(tree: string, outDir: string, label = `-o ${outDir}`): void {
  const t = realish(tree);
  const o = realish(outDir);
  const rel = relative(t, o);
  if (rel === '') throw new WriteError(`${label}: is the tree itself; flexos would overwrite the annotated sources — pass another directory, or --in-place to rewrite the tree`);
  if (!rel.startsWith('..') && !isAbsolute(rel)) throw new WriteError(`${label}: lies inside the tree ${tree}; the next run would read it back as input — pass a directory outside the tree`);
  const back = relative(o, t);
  if (!back.startsWith('..') && !isAbsolute(back)) throw new WriteError(`${label}: contains the tree ${tree}; pass a directory outside the tree`);
}
