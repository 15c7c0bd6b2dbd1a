import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeFilesAtomic } from './atomic-write.js';
import { toPosix } from '../analyze/libraries.js';

const SKIPPED = new Set(['.git', 'node_modules', 'build']);

/** Every file of a tree (relative paths), for copying it whole to an output directory. */
export function treeFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (SKIPPED.has(e.name)) continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out.push(toPosix(relative(root, full)));
    }
  };
  walk(root);
  return out.sort();
}

/**
 * Writes a rewritten tree: to `outDir` (a full copy with the rewritten files and the generated
 * ones), or in place (only what changed). All files are staged first, then renamed: a failure
 * leaves every target untouched.
 */
export function writeRewrittenTree(root: string, target: { outDir: string } | { inPlace: true }, rewritten: ReadonlyMap<string, string>, generated: ReadonlyMap<string, string>): string[] {
  const files = new Map<string, string | Buffer>();
  if ('outDir' in target) {
    for (const rel of treeFiles(root)) {
      if (rewritten.has(rel) || generated.has(rel)) continue;
      files.set(join(target.outDir, rel), readFileSync(join(root, rel)));
    }
    for (const [rel, text] of rewritten) files.set(join(target.outDir, rel), text);
    for (const [rel, text] of generated) files.set(join(target.outDir, rel), text);
  } else {
    for (const [rel, text] of rewritten) {
      if (readFileSync(join(root, rel), 'latin1') !== text) files.set(join(root, rel), text);
    }
    for (const [rel, text] of generated) files.set(join(root, rel), text);
  }
  writeFilesAtomic(files);
  return [...files.keys()];
}
