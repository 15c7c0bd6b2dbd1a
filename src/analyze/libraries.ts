import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { badNameProblem, classifyLink, specialFileProblem, undecodableName, type TreeProblem } from './tree-entries.js';
import { join, relative, sep } from 'node:path';
import { InputError } from '../diagnostics/input-error.js';
import type { Library, MakefileMacro } from './model.js';

const LIBRARY_LINE = /\$\(\s*eval\s+\$\(\s*call\s+(addlib|addlib_s|addlib_paramprefix|addplatlib|addplatlib_s)\s*,([^)]*)\)/;

export interface TreeListing {
  root: string;
  libraries: Library[];
  /** C sources and headers, relative to root, sorted. */
  files: string[];
  /** Host-tool directories at the root (`support/`), relative to root, with their C file count: not listed. */
  hostTools: { dir: string; files: number }[];
  /** Links and names flexos could not take as they are (tree-entries.ts). */
  problems: TreeProblem[];
}

/** Directories never scanned: VCS data, dependencies, build output. */
const SKIPPED_DIRS = new Set(['.git', 'node_modules', 'build', '.cache', 'dist']);
/**
 * Directories at the root of a Unikraft tree that hold host tools (kconfig, build scripts): they
 * are compiled for the build machine, never into the unikernel, so they are no library's code,
 * even where one has a Makefile.uk.
 */
const HOST_TOOL_DIRS = new Set(['support', 'scripts']);

/**
 * Lists a tree: every directory with a Makefile.uk is a library (SPEC §1); every .c/.h file is a
 * source. `extraLibraries` are directories a configuration names outside the tree.
 */
export function listTree(root: string): TreeListing {
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new InputError(`${root}: no such directory; pass the root of a Unikraft-style source tree`);
  }
  if (!st.isDirectory()) throw new InputError(`${root}: not a directory; pass the root of a Unikraft-style source tree`);
  const libraries: Library[] = [];
  const files: string[] = [];
  const hostTools: { dir: string; files: number }[] = [];
  const problems: TreeProblem[] = [];
  const realRoot = realpathSync(root);
  const walk = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (entries.some((e) => e.isFile() && e.name === 'Makefile.uk')) {
      const lib = readLibrary(root, dir);
      if (lib) libraries.push(lib);
    }
    for (const e of entries) {
      const full = join(dir, e.name);
      if (undecodableName(e.name)) {
        problems.push(badNameProblem(toPosix(relative(root, full))));
        continue;
      }
      if (e.isSymbolicLink()) {
        const rel = toPosix(relative(root, full));
        const link = classifyLink(realRoot, full, rel, /\.[ch]$/.test(e.name));
        if (link.kind === 'file') files.push(rel);
        else if (link.problem) problems.push(link.problem);
        continue;
      }
      if (e.isDirectory()) {
        if (dir === root && HOST_TOOL_DIRS.has(e.name)) hostTools.push({ dir: e.name, files: countSources(full) });
        else if (!SKIPPED_DIRS.has(e.name) && !e.name.startsWith('.')) walk(full);
      } else if (/\.[ch]$/.test(e.name)) {
        // a FIFO, socket or device with a source's name is reported at its path, never read
        // (a FIFO would wait for a writer for ever)
        if (e.isFile()) files.push(toPosix(relative(root, full)));
        else problems.push(specialFileProblem(toPosix(relative(root, full)), e));
      }
    }
  };
  walk(root);
  return { root, libraries, files, hostTools: hostTools.filter((h) => h.files > 0), problems };
}

function countSources(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += e.name.startsWith('.') ? 0 : countSources(join(dir, e.name));
    else if (e.isFile() && /\.[ch]$/.test(e.name)) n++;
  }
  return n;
}

export function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/** Reads a library's Makefile.uk and exportsyms.uk; null when the Makefile.uk declares none. */
export function readLibrary(root: string, dir: string): Library | null {
  const makefile = readFileSync(join(dir, 'Makefile.uk'), 'utf8');
  const m = LIBRARY_LINE.exec(makefile);
  const relDir = toPosix(relative(root, dir)) || '.';
  if (!m) return null;
  const macro = m[1] as MakefileMacro;
  const args = m[2]!.split(',').map((a) => a.trim());
  // addplatlib[_s] takes the platform first: $(call addplatlib,linuxu,liblinuxuplat)
  const name = macro.startsWith('addplatlib') ? args[1] : args[0];
  if (!name) return null;
  const lib: Library = {
    name,
    shortName: shortLibraryName(name),
    dir: relDir,
    declaredBy: macro,
    listedSources: listedSources(makefile, name, relDir),
    exportsyms: readExportsyms(join(dir, 'exportsyms.uk')),
  };
  if (macro.startsWith('addplatlib') && args[0]) lib.platform = args[0];
  return lib;
}

export function shortLibraryName(name: string): string {
  return name.startsWith('lib') ? name.slice(3) : name;
}

function listedSources(makefile: string, name: string, relDir: string): string[] {
  const prefix = name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const re = new RegExp(String.raw`^\s*${prefix}_SRCS-[^\s+:=]*\s*\+?=\s*(.+)$`, 'gm');
  const sources: string[] = [];
  for (const m of makefile.matchAll(re)) {
    for (const word of m[1]!.split(/\s+/)) {
      if (!word) continue;
      const path = word.split('|')[0]!.replace(new RegExp(String.raw`^\$\(${prefix}_BASE\)/?`), '');
      if (/\.[cS]$/.test(path) && !path.includes('$(')) sources.push(relDir === '.' ? path : `${relDir}/${path}`);
    }
  }
  return sources;
}

function readExportsyms(path: string): string[] | null {
  if (!existsSync(path)) return null;
  if (statSync(path).isDirectory()) throw new InputError(`${path}: is a directory where a file was expected; remove or rename it (EISDIR)`);
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l.length > 0);
}

/** The library owning a file: the deepest library directory (or extra directory) above it. */
export function owningLibrary(libraries: readonly Library[], file: string): Library | null {
  let best: Library | null = null;
  let bestLength = -1;
  for (const lib of libraries) {
    if (lib.absent) continue;
    for (const dir of [lib.dir, ...(lib.extraDirs ?? [])]) {
      const inside = dir === '.' || file.startsWith(dir + '/');
      if (inside && dir.length > bestLength) {
        best = lib;
        bestLength = dir.length;
      }
    }
  }
  return best;
}
