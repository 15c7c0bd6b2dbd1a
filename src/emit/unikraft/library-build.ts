import type { Library } from '../../analyze/model.js';
import type { HardeningRule } from './rules.js';

/** Unikraft's make variables of a library: `$(call uc,libname)`, e.g. LIBFLEXOSEXAMPLE. */
export function makePrefix(library: Library): string {
  return library.name.toUpperCase().replace(/[^A-Z0-9_]/g, '');
}

export const LIBRARY_LINKER_SCRIPT = 'flexos_extra.ld';

function appendOnce(makefile: string, lines: string[]): string {
  const missing = lines.filter((l) => !makefile.split('\n').some((existing) => existing.trim() === l));
  if (missing.length === 0) return makefile;
  const sep = makefile.endsWith('\n') || makefile === '' ? '' : '\n';
  return `${makefile}${sep}\n# flexos rewrite --target unikraft\n${missing.join('\n')}\n`;
}

/**
 * A library's Makefile.uk with what this deployment needs: the LDFLAGS line that links its
 * objects through its flexos_extra.ld (libraries outside the default compartment) and its
 * hardening flags. Lines already present are not repeated (idempotent).
 */
export function libraryMakefile(makefile: string, library: Library, isolated: boolean, cflags: string[]): string {
  const p = makePrefix(library);
  const lines: string[] = [];
  if (isolated) lines.push(`${p}_LDFLAGS-y += -Wl,-T,$(${p}_BASE)/${LIBRARY_LINKER_SCRIPT}`);
  if (cflags.length > 0) {
    lines.push(`${p}_CFLAGS-y += ${cflags.join(' ')}`);
    lines.push(`${p}_CXXFLAGS-y += ${cflags.join(' ')}`);
  }
  return lines.length === 0 ? makefile : appendOnce(makefile, lines);
}

/** Flags and Kconfig options of a library's hardening names (validated by the caller). */
export function hardeningFor(names: string[], table: ReadonlyMap<string, HardeningRule>): { cflags: string[]; kconfig: string[] } {
  const cflags: string[] = [];
  const kconfig: string[] = [];
  for (const n of names) {
    const rule = table.get(n);
    if (!rule) continue;
    for (const f of rule.cflags) if (!cflags.includes(f)) cflags.push(f);
    for (const k of rule.kconfig) if (!kconfig.includes(k)) kconfig.push(k);
  }
  return { cflags, kconfig };
}
