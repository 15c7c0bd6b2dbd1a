import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { DeploymentConfig } from '../../config/index.js';
import { toPosix } from '../../analyze/libraries.js';

/**
 * Where the pieces of a Unikraft build are, as kraft lays them out (`~/.unikraft/{unikraft,
 * libs/<name>,apps/<name>}`, the app's Makefile passing `UK_ROOT=../../unikraft` and
 * `UK_LIBS=../../libs`), or as the configuration's `path:`s name them. The output mirrors the
 * same layout under the output directory, relative to the workspace (the directory that holds
 * them all), so the app's own Makefile still finds the tree and the libraries.
 */
export interface UnikraftLayout {
  /** The FlexOS unikraft tree (the analysis root). */
  tree: string;
  /** The app (the configuration's directory), when it has a Makefile.uk. */
  app: string | null;
  /** kraft's UK_LIBS, when it exists. */
  libs: string | null;
  /** Library directories outside the tree: `path:`s, kraft-layout libraries, the app. */
  extraLibraryDirs: string[];
  /** Configuration key → its directory outside the tree (`path:` or kraft's `<libs>/<key>`). */
  libraryPaths: Map<string, string>;
  /** Common ancestor of the tree and every extra directory. */
  workspace: string;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function commonAncestor(paths: string[]): string {
  let base = paths[0]!;
  for (const p of paths.slice(1)) {
    while (!(p === base || p.startsWith(base.endsWith(sep) ? base : base + sep))) base = dirname(base);
  }
  return base;
}

export function unikraftLayout(treeArg: string, config: DeploymentConfig, libsArg?: string): UnikraftLayout {
  const tree = resolve(treeArg);
  const configDir = dirname(resolve(config.file));
  const app = existsSync(join(configDir, 'Makefile.uk')) && configDir !== tree ? configDir : null;
  const libsGuess = libsArg ? resolve(libsArg) : resolve(configDir, '..', '..', 'libs');
  const libs = isDir(libsGuess) ? libsGuess : null;
  const extra: string[] = [];
  const add = (d: string): void => {
    if (!extra.includes(d) && d !== tree && !d.startsWith(tree + sep)) extra.push(d);
  };
  const libraryPaths = new Map<string, string>();
  for (const l of config.libraries) {
    const dir = l.path ?? (libs && !existsSync(join(tree, 'lib', l.key)) && isDir(join(libs, l.key)) ? join(libs, l.key) : null);
    if (!dir) continue;
    add(dir);
    libraryPaths.set(l.key, dir);
  }
  if (app) add(app);
  return { tree, app, libs, extraLibraryDirs: extra, libraryPaths, workspace: commonAncestor([tree, ...extra]) };
}

/** Output-relative path (posix) of a path relative to the tree root. */
export function outputPath(layout: UnikraftLayout, treeRelative: string): string {
  const abs = isAbsolute(treeRelative) ? treeRelative : resolve(layout.tree, treeRelative);
  return toPosix(relative(layout.workspace, abs));
}

/**
 * Sources kraft's `fetch` step unpacked and patched into the app's build directory
 * (`build/<library>/origin/…`, e.g. newlib's). FlexOS's patches annotate some of them, and kraft
 * rewrites them there, after fetching; so does this target. Only files that include
 * <flexos/isolation.h> are returned (the others need nothing), as paths relative to the tree.
 */
export function fetchedAnnotatedSources(layout: UnikraftLayout, libraryNames: string[], read: (abs: string) => string): { library: string; path: string }[] {
  if (!layout.app) return [];
  const out: { library: string; path: string }[] = [];
  for (const lib of [...libraryNames].sort()) {
    const origin = join(layout.app, 'build', lib, 'origin');
    if (!isDir(origin)) continue;
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const full = join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (e.isFile() && /\.[ch]$/.test(e.name) && read(full).includes('flexos/isolation.h')) out.push({ library: lib, path: toPosix(relative(layout.tree, full)) });
      }
    };
    walk(origin);
  }
  return out;
}

/** The build directories of fetched libraries, copied whole (archive, stamps, origin) to the output. */
export function fetchedBuildDirs(layout: UnikraftLayout, libraryNames: string[]): string[] {
  if (!layout.app) return [];
  return libraryNames
    .map((lib) => join(layout.app!, 'build', lib))
    .filter((d) => isDir(join(d, 'origin')))
    .sort();
}

const NOT_COPIED = new Set(['.git', 'node_modules']);

/**
 * Every file of an input directory, relative to it, for the copy: all but VCS and package
 * folders and the top-level `build/` of an app (kraft's build directory: objects, not sources;
 * fetched libraries in it are copied separately). Unikraft's own `support/build/` is kept.
 */
export function inputFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (NOT_COPIED.has(e.name) || (rel === '' && e.name === 'build')) continue;
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(join(dir, e.name), childRel);
      else if (e.isFile()) out.push(childRel);
    }
  };
  walk(root, '');
  return out;
}
