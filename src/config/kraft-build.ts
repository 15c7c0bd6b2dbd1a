/**
 * The keys of a FlexOS kraft.yaml that only kraft's `configure` step reads — `unikraft.kconfig`,
 * `targets`, `libraries.<x>.kconfig` — which the deployment loader accepts and ignores. The
 * Unikraft target turns them into the Kconfig fragment kraft would have handed to
 * `make defconfig`.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface KraftBuildKeys {
  unikraftKconfig: string[];
  /** `architecture`/`platform` of each `targets:` entry. */
  targets: { architecture: string; platform: string }[];
  /** Library key → its `kconfig:` lines. */
  libraryKconfig: Map<string, string[]>;
}

function lines(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Reads them leniently: the loader has already validated the file's shape. */
export function readKraftBuildKeys(file: string): KraftBuildKeys {
  const data = (parse(readFileSync(file, 'utf8'), { version: '1.1' }) ?? {}) as Record<string, unknown>;
  const unikraft = (data.unikraft ?? {}) as Record<string, unknown>;
  const targets = Array.isArray(data.targets)
    ? data.targets.flatMap((t: Record<string, unknown>) =>
        typeof t?.architecture === 'string' && typeof t?.platform === 'string' ? [{ architecture: t.architecture, platform: t.platform }] : [],
      )
    : [];
  const libraryKconfig = new Map<string, string[]>();
  for (const [key, entry] of Object.entries((data.libraries ?? {}) as Record<string, Record<string, unknown> | null>)) {
    libraryKconfig.set(key, lines(entry?.kconfig));
  }
  return { unikraftKconfig: lines(unikraft.kconfig), targets, libraryKconfig };
}
