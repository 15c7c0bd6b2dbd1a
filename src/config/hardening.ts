/**
 * Per-library hardening (SPEC §3/§4): names from `hardening:` lists mapped to real compiler and
 * linker flags, and a probe that checks, by compiling and linking an empty program, whether the
 * compiler actually supports them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HardeningFlags {
  cflags: string[];
  ldflags: string[];
}

/** Canonical hardening names and their flags. */
export const HARDENING_TABLE: Readonly<Record<string, Readonly<HardeningFlags>>> = {
  ubsan: {
    cflags: ['-fsanitize=undefined', '-fno-sanitize-recover=undefined'],
    ldflags: ['-fsanitize=undefined'],
  },
  asan: { cflags: ['-fsanitize=address'], ldflags: ['-fsanitize=address'] },
  'stack-protector': { cflags: ['-fstack-protector-strong'], ldflags: [] },
  // clang: CFI needs LTO and hidden visibility.
  cfi: {
    cflags: ['-fsanitize=cfi', '-flto', '-fvisibility=hidden'],
    ldflags: ['-fsanitize=cfi', '-flto'],
  },
  safestack: { cflags: ['-fsanitize=safe-stack'], ldflags: ['-fsanitize=safe-stack'] },
};

/**
 * Other spellings accepted in `hardening:` lists. FlexOS/Unikraft called the stack protector
 * `sp`/`ssp` and the address sanitizer `kasan` (its in-kernel flavour); in userspace both map to
 * the sanitizer / protector above.
 */
export const HARDENING_ALIASES: Readonly<Record<string, string>> = {
  kasan: 'asan',
  sp: 'stack-protector',
  ssp: 'stack-protector',
  stackprotector: 'stack-protector',
  'safe-stack': 'safestack',
};

/** The canonical names, in the order error messages list them. */
export const HARDENING_NAMES: readonly string[] = Object.keys(HARDENING_TABLE);

/** The canonical name for `name` (itself or an alias's target), or undefined when unknown. */
export function canonicalHardening(name: string): string | undefined {
  if (Object.hasOwn(HARDENING_TABLE, name)) return name;
  return Object.hasOwn(HARDENING_ALIASES, name) ? HARDENING_ALIASES[name] : undefined;
}

/** Human-readable list of what `hardening:` accepts. */
export function describeHardeningNames(): string {
  const aliases = Object.entries(HARDENING_ALIASES)
    .map(([alias, target]) => `${alias} = ${target}`)
    .join(', ');
  return `${HARDENING_NAMES.join(', ')} (aliases: ${aliases})`;
}

function pushUnique(into: string[], flags: readonly string[]): void {
  for (const flag of flags) if (!into.includes(flag)) into.push(flag);
}

/**
 * The union of the flags of `names` (canonical names or aliases), in order, without repeats.
 * Throws an Error for a name that is neither (callers validate names through the loader first).
 */
export function hardeningFlags(names: string[]): HardeningFlags {
  const result: HardeningFlags = { cflags: [], ldflags: [] };
  for (const name of names) {
    const canonical = canonicalHardening(name);
    if (canonical === undefined) {
      throw new Error(`unknown hardening "${name}"; allowed: ${describeHardeningNames()}`);
    }
    pushUnique(result.cflags, HARDENING_TABLE[canonical].cflags);
    pushUnique(result.ldflags, HARDENING_TABLE[canonical].ldflags);
  }
  return result;
}

export type ProbeResult = { ok: true } | { ok: false; reason: string };

const probeCache = new Map<string, ProbeResult>();

/** The most telling line of a compiler's diagnostics. */
function firstDiagnostic(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  return lines.find((l) => /error/i.test(l)) ?? lines[0] ?? 'no diagnostics';
}

function compileEmptyProgram(flags: HardeningFlags, cc: string): ProbeResult {
  const dir = mkdtempSync(join(tmpdir(), 'flexos-probe-'));
  try {
    const src = join(dir, 'probe.c');
    writeFileSync(src, 'int main(void) { return 0; }\n');
    const args = [...flags.cflags, src, ...flags.ldflags, '-o', join(dir, 'probe')];
    const run = spawnSync(cc, args, { encoding: 'utf8', timeout: 60_000 });
    if (run.error) return { ok: false, reason: `cannot run ${cc}: ${run.error.message}` };
    if (run.status === 0) return { ok: true };
    return { ok: false, reason: firstDiagnostic(`${run.stderr}\n${run.stdout}`) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Whether `cc` can compile and link an empty program with the flags of hardening `name`
 * (canonical or alias). The answer is cached per process, per compiler and name.
 */
export function probeHardening(name: string, cc = 'gcc'): ProbeResult {
  const canonical = canonicalHardening(name);
  if (canonical === undefined) {
    return { ok: false, reason: `unknown hardening "${name}"; allowed: ${describeHardeningNames()}` };
  }
  const key = `${cc}\0${canonical}`;
  let result = probeCache.get(key);
  if (result === undefined) {
    try {
      result = compileEmptyProgram(HARDENING_TABLE[canonical], cc);
    } catch (e) {
      result = { ok: false, reason: `cannot probe ${cc}: ${(e as Error).message}` };
    }
    probeCache.set(key, result);
  }
  return result;
}
