/**
 * Entries of a tree that are not plain files or directories: symbolic links and names that are
 * not UTF-8. Each is either read (a link to a source inside the tree) or reported with what to
 * do; none is dropped without a word.
 */
import { realpathSync, statSync, type Stats } from 'node:fs';
import { notRegularFile, type FileType } from '../parse/source-file.js';
import { isAbsolute, relative } from 'node:path';

/** A tree entry flexos could not take as it is. */
export interface TreeProblem {
  /** Path relative to the tree root. */
  path: string;
  severity: 'error' | 'warning' | 'note';
  code: string;
  message: string;
}

/** Node decodes a name that is not UTF-8 with U+FFFD: such a name cannot be opened again. */
export function undecodableName(name: string): boolean {
  return name.includes('\uFFFD');
}

export function badNameProblem(rel: string): TreeProblem {
  return {
    path: rel,
    severity: 'error',
    code: 'file-name-not-utf8',
    message: 'this name is not valid UTF-8, so flexos cannot open it by name (its sources are not analyzed); rename it to UTF-8',
  };
}

/** A FIFO, socket or device named like a C source (or a link to one): an error at its path. */
export function specialFileProblem(rel: string, type: FileType): TreeProblem {
  return { path: rel, severity: 'error', code: 'not-a-regular-file', message: notRegularFile(type) ?? 'not a regular file: not read' };
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * A symbolic link met while listing `root`: a link to a C file inside the tree is read as that
 * file ('file'); a link to a directory is not followed (its target is listed where it lies);
 * loops, dangling links and links leaving the tree are problems.
 */
export function classifyLink(realRoot: string, full: string, rel: string, isSource: boolean): { kind: 'file' } | { kind: 'skip'; problem: TreeProblem | null } {
  let target: string;
  try {
    target = realpathSync(full);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!isSource && code !== 'ELOOP') return { kind: 'skip', problem: null };
    return {
      kind: 'skip',
      problem: {
        path: rel,
        severity: 'error',
        code: code === 'ELOOP' ? 'symlink-loop' : 'symlink-dangling',
        message: code === 'ELOOP' ? 'symbolic link loop: it resolves to itself; fix or remove the link' : `symbolic link to a missing file (${code}); fix or remove the link`,
      },
    };
  }
  if (!inside(realRoot, target)) {
    return {
      kind: 'skip',
      problem: isSource
        ? { path: rel, severity: 'error', code: 'symlink-escape', message: `symbolic link to ${target}, outside the tree: flexos reads and writes only the tree — copy the file in, or name its library with \`path:\` in the configuration` }
        : { path: rel, severity: 'note', code: 'symlink-escape', message: `symbolic link to ${target}, outside the tree: not followed` },
    };
  }
  let isDir = false;
  let special: Stats | null = null;
  try {
    const st = statSync(target);
    isDir = st.isDirectory();
    if (!isDir && !st.isFile()) special = st;
  } catch {
    isDir = false;
  }
  if (special !== null) return { kind: 'skip', problem: isSource ? specialFileProblem(rel, special) : null };
  if (isDir) return { kind: 'skip', problem: { path: rel, severity: 'note', code: 'symlink-directory', message: `symbolic link to the directory ${relative(realRoot, target) || '.'} of the tree: not followed (its files are read where they lie)` } };
  return isSource ? { kind: 'file' } : { kind: 'skip', problem: null };
}
