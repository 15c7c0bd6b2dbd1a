/**
 * Which parts of a Unikraft tree one build compiles (SPEC §1). A deployment builds one platform
 * (`plat/kvm`, `plat/xen` or `plat/linuxu`: alternatives implementing the same `ukplat_*` API) for
 * one architecture, with one libc; host tools under `support/` are not unikernel code at all.
 * Libraries the configuration names but the tree lacks are fetched by kraft next to it: they are
 * placeholders here, so that gates into them can still be rewritten from the configuration.
 */
import type { Library } from './model.js';

export interface BuildTarget {
  architecture: string;
  platform: string;
  /** The deployment's libc: `nolibc` unless the configuration names newlib or musl. */
  libc: string;
}

/** A library as the configuration names it (the key under `libraries:`). */
export interface ConfiguredLibrary {
  key: string;
  /** Absolute directory when the entry has `path:`. */
  path?: string;
}

export interface SelectionOptions {
  architecture?: string;
  platform?: string;
  configuredLibraries?: readonly ConfiguredLibrary[];
}

export interface InactivePart {
  /** Directory (relative to the root) left out of the analysis. */
  dir: string;
  /** The library declared there, when one is. */
  library?: string;
  reason: string;
}

export interface BuildSelection {
  target: BuildTarget;
  libraries: Library[];
  files: string[];
  inactive: InactivePart[];
  /** Names FlexOS's gates use for the build's choices: `libukplat`, `libc`. */
  aliases: Map<string, string>;
}

export const DEFAULT_PLATFORM = 'kvm';
export const DEFAULT_ARCHITECTURE = 'x86_64';
/** Configuration keys that select a libc other than the tree's nolibc. */
const LIBC_KEYS: Record<string, string> = { newlib: 'newlib', libnewlib: 'newlib', libnewlibc: 'newlib', musl: 'musl', libmusl: 'musl' };

/** `arch/<family>` directory of an architecture. */
function archFamily(architecture: string): string {
  if (architecture === 'x86_64' || architecture === 'x86' || architecture === 'i386') return 'x86';
  if (architecture.startsWith('arm') || architecture === 'aarch64') return 'arm';
  return architecture;
}

/** `lib` + the key without dashes: how a library that is not in the tree is named (`pthread-embedded` → `libpthreadembedded`). */
export function placeholderName(key: string): string {
  const bare = key.replace(/-/g, '');
  return bare.startsWith('lib') ? bare : `lib${bare}`;
}

/** The library a configuration key means, by any of the spellings kraft.yaml files use. */
export function libraryForKey(libraries: readonly Library[], key: string): Library | undefined {
  const bare = key.replace(/-/g, '');
  return (
    libraries.find((l) => l.configKey === key) ??
    libraries.find((l) => l.name === key || l.shortName === key) ??
    libraries.find((l) => l.name === `lib${bare}` || l.shortName.replace(/-/g, '') === bare) ??
    libraries.find((l) => !l.absent && l.dir.split('/').pop() === key)
  );
}

function under(file: string, dir: string): boolean {
  return file === dir || file.startsWith(dir + '/');
}

/**
 * Narrows a listed tree to one build. `libraries` are the tree's (and the configuration's `path:`
 * directories', already bound to their keys); `files` every source and header found.
 */
export function selectBuild(libraries: readonly Library[], files: readonly string[], options: SelectionOptions): BuildSelection {
  const configured = options.configuredLibraries ?? [];
  const libcKey = configured.map((c) => LIBC_KEYS[c.key]).find((v) => v !== undefined);
  const platformLibraries = libraries.filter((l) => l.platform !== undefined);
  const platforms = [...new Set(platformLibraries.map((l) => l.platform!))];
  // a tree that implements a single platform (our userspace corpus: linuxu) builds that one
  const fallbackPlatform = platforms.length === 1 ? platforms[0]! : DEFAULT_PLATFORM;
  const target: BuildTarget = {
    architecture: options.architecture ?? DEFAULT_ARCHITECTURE,
    platform: options.platform ?? fallbackPlatform,
    libc: libcKey ?? 'nolibc',
  };
  const inactive: InactivePart[] = [];
  const isUnikraftTree = platformLibraries.length > 0;
  const leaveOut = (dir: string, reason: string, library?: string): void => {
    if (!inactive.some((p) => p.dir === dir && (p.library === library || library === undefined))) inactive.push(library ? { dir, library, reason } : { dir, reason });
  };

  const kept: Library[] = [];
  for (const lib of libraries) {
    if (under(lib.dir, 'support')) leaveOut(lib.dir, 'host tool (support/), not unikernel code', lib.name);
    else if (lib.platform !== undefined && lib.platform !== target.platform) leaveOut(lib.dir, `platform ${lib.platform}; this build is for ${target.platform}`, lib.name);
    else if (isUnikraftTree && under(lib.dir, 'arch') && !under(lib.dir, `arch/${archFamily(target.architecture)}`)) leaveOut(lib.dir, `architecture; this build is for ${target.architecture}`, lib.name);
    else if (lib.name === 'libnolibc' && target.libc !== 'nolibc') leaveOut(lib.dir, `the deployment's libc is ${target.libc}`, lib.name);
    else kept.push({ ...lib });
  }
  if (isUnikraftTree) {
    for (const file of files) {
      const parts = file.split('/');
      if (parts[0] === 'plat' && parts.length > 2 && !['common', 'drivers', target.platform].includes(parts[1]!)) leaveOut(`plat/${parts[1]}`, `platform ${parts[1]}; this build is for ${target.platform}`);
      if (parts[0] === 'plat' && parts[1] === 'common' && parts.length > 3 && ['x86', 'arm', 'arm64'].includes(parts[2]!) && archFamily(parts[2]!) !== archFamily(target.architecture)) leaveOut(`plat/common/${parts[2]}`, `architecture; this build is for ${target.architecture}`);
      if (parts[0] === 'arch' && parts.length > 2 && parts[1] !== archFamily(target.architecture)) leaveOut(`arch/${parts[1]}`, `architecture; this build is for ${target.architecture}`);
    }
  }
  const aliases = new Map<string, string>();
  const platformLibrary = kept.find((l) => l.platform === target.platform && (l.declaredBy === 'addplatlib' || l.declaredBy === 'addlib'));
  if (platformLibrary) {
    platformLibrary.extraDirs = ['plat/common', 'plat/drivers'];
    aliases.set('libukplat', platformLibrary.name);
  }
  for (const c of configured) {
    if (libraryForKey(kept, c.key)) continue;
    kept.push({ name: placeholderName(c.key), shortName: c.key, dir: '', declaredBy: 'config', listedSources: [], exportsyms: null, absent: true, configKey: c.key });
  }
  const libc = target.libc === 'nolibc' ? kept.find((l) => l.name === 'libnolibc') : libraryForKey(kept, target.libc);
  if (libc) aliases.set('libc', libc.name);

  const skipped = (file: string): boolean => under(file, 'support') || inactive.some((p) => under(file, p.dir));
  inactive.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
  return { target, libraries: kept, files: files.filter((f) => !skipped(f)), inactive, aliases };
}

/** What a deployment configuration says about the build (kraft's `targets:` and `libraries:`), `--platform` winning. */
export function selectionFromConfig(
  config: { targets: readonly { architecture?: string; platform?: string }[]; libraries: readonly ConfiguredLibrary[] } | null,
  overrides: { platform?: string; architecture?: string } = {},
): SelectionOptions {
  const target = config?.targets[0];
  const selection: SelectionOptions = { configuredLibraries: (config?.libraries ?? []).map((l) => (l.path ? { key: l.key, path: l.path } : { key: l.key })) };
  const platform = overrides.platform ?? target?.platform;
  const architecture = overrides.architecture ?? target?.architecture;
  if (platform) selection.platform = platform;
  if (architecture) selection.architecture = architecture;
  return selection;
}
