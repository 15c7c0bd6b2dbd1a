import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { InputError } from '../diagnostics/input-error.js';

/** What one rules/<mechanism>/ folder declares in its mechanism.yaml. */
export interface MechanismSpec {
  /** kraft.yaml driver name, e.g. `intel-pku`. */
  driver: string;
  /** Gate macro infix: flexos_<gate>_gate(_r). */
  gate: string;
  /** Isolation strength; a gate between two compartments uses the stronger side. */
  strength: number;
  /** Part of every deployment (fcalls: same-compartment gates are nop gates). */
  always: boolean;
  /** Absolute paths of the runtime headers and sources. */
  headers: string[];
  sources: string[];
  cflags: string[];
  ldflags: string[];
  /** A C program (absolute path) run on the linked binary as `check BINARY [--allow SYM]…`; a non-zero status fails the build. */
  binaryCheck: string | null;
  binaryCheckAllow: string[];
  /** The `struct flexos_mechanism` hook table its runtime defines; null: no runtime. */
  hooks: string | null;
  /** Hardware/kernel features the runtime needs (e.g. `pku`). */
  needs: string[];
  dir: string;
  /** Other fields a mechanism defines (e.g. the sharing strategies it supports). */
  extra: Record<string, unknown>;
}

/** rules/common: runtime pieces every deployment gets. */
export interface CommonRuntimeSpec {
  headers: string[];
  sources: string[];
  cflags: string[];
  ldflags: string[];
  linkerScriptTemplate: string;
}

export const RULES_DIR = fileURLToPath(new URL('../../rules', import.meta.url));

function list(v: unknown, where: string, key: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new InputError(`${where}: '${key}' must be a list of strings`);
  return v as string[];
}

/** Every rules/<name>/mechanism.yaml: adding a mechanism is adding a folder. */
export function loadMechanisms(rulesDir = RULES_DIR): Map<string, MechanismSpec> {
  const specs = new Map<string, MechanismSpec>();
  for (const entry of readdirSync(rulesDir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const dir = join(rulesDir, entry.name);
    const file = join(dir, 'mechanism.yaml');
    if (!entry.isDirectory() || !existsSync(file)) continue;
    const data = parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
    if (!data || typeof data.driver !== 'string' || typeof data.gate !== 'string' || typeof data.strength !== 'number') {
      throw new InputError(`${file}: a mechanism needs 'driver', 'gate' and a numeric 'strength'`);
    }
    const { driver, gate, strength, always, headers, sources, cflags, ldflags, needs, description, hooks, binary_check, binary_check_allow, ...extra } = data;
    if (binary_check !== undefined && typeof binary_check !== 'string') throw new InputError(`${file}: 'binary_check' must be a path`);
    if (hooks !== undefined && (typeof hooks !== 'string' || !/^[A-Za-z_]\w*$/.test(hooks))) throw new InputError(`${file}: 'hooks' must be the C name of the runtime's struct flexos_mechanism`);
    void description;
    specs.set(driver as string, {
      driver: driver as string,
      gate: gate as string,
      strength: strength as number,
      always: always === true,
      headers: list(headers, file, 'headers').map((h) => join(dir, h)),
      sources: list(sources, file, 'sources').map((s) => join(dir, s)),
      cflags: list(cflags, file, 'cflags'),
      ldflags: list(ldflags, file, 'ldflags'),
      needs: list(needs, file, 'needs'),
      hooks: typeof hooks === 'string' ? hooks : null,
      binaryCheck: typeof binary_check === 'string' ? join(dir, binary_check) : null,
      binaryCheckAllow: list(binary_check_allow, file, 'binary_check_allow'),
      dir,
      extra,
    });
  }
  return specs;
}

export function loadCommonRuntime(rulesDir = RULES_DIR): CommonRuntimeSpec {
  const dir = join(rulesDir, 'common');
  const file = join(dir, 'runtime.yaml');
  const data = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (typeof data.linker_script_template !== 'string') throw new InputError(`${file}: 'linker_script_template' is required`);
  return {
    headers: list(data.headers, file, 'headers').map((h) => join(dir, h)),
    sources: list(data.sources, file, 'sources').map((s) => join(dir, s)),
    cflags: list(data.cflags, file, 'cflags'),
    ldflags: list(data.ldflags, file, 'ldflags'),
    linkerScriptTemplate: join(dir, data.linker_script_template),
  };
}
