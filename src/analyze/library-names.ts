/**
 * What a library name written in a gate means. FlexOS's own tree is sloppy (`uklock`,
 * `libuklock`, `libflexos-core` for lib/flexos-core's `libflexos`) and uses names for the build's
 * choices (`libukplat`, `libc`); each spelling resolves, and how it did is kept so a check can
 * suggest the canonical one.
 */
import type { TreeIndex } from './index.js';
import type { Library } from './model.js';

export type NameMatch = 'exact' | 'alias' | 'spelling';

export interface NamedLibrary {
  library: Library;
  match: NameMatch;
}

export function resolveLibraryName(index: TreeIndex, written: string): NamedLibrary | null {
  const exact = index.library(written);
  if (exact) return { library: exact, match: 'exact' };
  const aliased = index.aliased(written);
  if (aliased) return { library: aliased, match: 'alias' };
  // `libext` for the library the configuration's `ext:` names (by path)
  const keyed = index.libraries.find((l) => l.configKey !== undefined && (written === l.configKey || written === `lib${l.configKey.replace(/-/g, '')}`));
  if (keyed) return { library: keyed, match: 'alias' };
  const bare = written.replace(/-/g, '');
  const short = bare.startsWith('lib') ? bare.slice(3) : bare;
  const byName = index.libraries.find((l) => l.shortName.replace(/-/g, '') === short || l.name === `lib${short}` || l.configKey === written);
  if (byName) return { library: byName, match: 'spelling' };
  // `libflexos-core` names lib/flexos-core, whose Makefile.uk says `libflexos`
  const dirName = written.startsWith('lib') ? written.slice(3) : written;
  const byDir = index.libraries.find((l) => !l.absent && l.dir.split('/').pop() === dirName);
  if (byDir) return { library: byDir, match: 'spelling' };
  // `liblock` for libuklock: FlexOS also drops the `uk` (SPEC §2); only when one library fits
  const withoutUk = index.libraries.filter((l) => !l.absent && l.shortName.startsWith('uk') && l.shortName.slice(2).replace(/-/g, '') === short);
  if (withoutUk.length === 1) return { library: withoutUk[0]!, match: 'spelling' };
  return null;
}
