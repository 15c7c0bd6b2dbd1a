/**
 * Where each file of an analysis goes under the output directory. Files of the tree keep their
 * path; files of a library that a configuration names outside the tree (`path: ../libc`, whose
 * analysis paths start with `../`) go to `external/<library>/…`. Every output path is therefore
 * relative and free of `..` by construction; emit/transaction.ts checks it again before writing.
 */
import type { Library } from '../analyze/model.js';
import { owningLibrary } from '../analyze/libraries.js';
import { InputError } from '../diagnostics/input-error.js';

export const EXTERNAL_DIR = 'external';

/** True for an analysis path (or library dir) that lies outside the tree root. */
export function isOutsideTree(path: string): boolean {
  return path === '..' || path.startsWith('../') || path.startsWith('/');
}

/** The output directory of a library: its own dir, or external/<name> when outside the tree. */
export function outputLibraryDir(lib: Library): string {
  if (isOutsideTree(lib.dir) && !/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/.test(lib.name)) {
    throw new InputError(`library '${lib.name}' (${lib.dir}) cannot name a directory under ${EXTERNAL_DIR}/; rename it (letters, digits, _ . + -)`);
  }
  return isOutsideTree(lib.dir) ? `${EXTERNAL_DIR}/${lib.name}` : lib.dir;
}

/** The output path of an analysis path (relative to the tree root). */
export function outputPath(libraries: readonly Library[], path: string): string {
  if (!isOutsideTree(path)) return path;
  const lib = owningLibrary(libraries, path);
  if (!lib || !isOutsideTree(lib.dir)) {
    throw new InputError(`${path}: outside the tree and of no library named by the configuration; flexos writes only under the output directory`);
  }
  return `${outputLibraryDir(lib)}/${path.slice(lib.dir.length + 1)}`;
}
