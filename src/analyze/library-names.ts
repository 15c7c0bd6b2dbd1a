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
  const bare = written.replace(/-/g, '');
  const short = bare.startsWith('lib') ? bare.slice(3) : bare;
  const byName = index.libraries.find((l) => l.shortName.replace(/-/g, '') === short || l.name === `lib${short}` || l.configKey === written);
  if (byName) return { library: byName, match: 'spelling' };
  // `libflexos-core` names lib/flexos-core, whose Makefile.uk says `libflexos`
  const dirName = written.startsWith('lib') ? written.slice(3) : written;
  const byDir = index.libraries.find((l) => !l.absent && l.dir.split('/').pop() === dirName);
  if (byDir) return { library: byDir, match: 'spelling' };
  return null;
}
