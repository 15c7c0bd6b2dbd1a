import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { RULES_DIR } from '../../config/mechanisms.js';
import type { SharingStrategy } from '../../config/index.js';
import { InputError } from '../../diagnostics/input-error.js';

/** One marker splice of a rules/<x>/unikraft/target.yaml. */
export interface MarkerRule {
  /** The text after `__FLEXOS MARKER__:` in the comment. */
  marker: string;
  each: 'isolated' | 'once';
  /** Template text ({{id}}, {{pkru}}, {{compartment_of <lib>}}). */
  template: string;
  /** Only with private stacks. */
  privateStacksOnly: boolean;
  required: boolean;
  /** The rules file, for messages. */
  from: string;
}

export interface SharingRule {
  stacks: 'shared' | 'private';
  kconfig: string[];
}

export interface HardeningRule {
  cflags: string[];
  kconfig: string[];
}

/** rules/<mechanism>/unikraft/target.yaml, or rules/common/unikraft/target.yaml. */
export interface UnikraftRules {
  file: string;
  dir: string;
  kconfig: string[];
  maxCompartments: number | null;
  sharing: Map<SharingStrategy, SharingRule>;
  markers: MarkerRule[];
  libraryLinkerScript: string | null;
  hardening: Map<string, HardeningRule>;
}

function strings(v: unknown, file: string, key: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new InputError(`${file}: '${key}' must be a list of strings`);
  return v as string[];
}

function templateText(dir: string, file: string, value: unknown, where: string): string {
  if (typeof value !== 'string') throw new InputError(`${file}: ${where}: 'template' must be a string (text, or a .in file of ${dir})`);
  if (!value.endsWith('.in')) return value;
  const path = join(dir, value);
  if (!existsSync(path)) throw new InputError(`${file}: ${where}: template file ${value} is missing`);
  return readFileSync(path, 'latin1');
}

/** Reads one target.yaml; null when the folder has no Unikraft rules (the target refuses it). */
export function loadUnikraftRules(folder: string, rulesDir = RULES_DIR): UnikraftRules | null {
  const dir = join(rulesDir, folder, 'unikraft');
  const file = join(dir, 'target.yaml');
  if (!existsSync(file)) return null;
  const data = (parse(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
  const markers: MarkerRule[] = [];
  const rawMarkers = data.markers ?? [];
  if (!Array.isArray(rawMarkers)) throw new InputError(`${file}: 'markers' must be a list`);
  rawMarkers.forEach((m: Record<string, unknown>, i) => {
    const where = `markers[${i}]`;
    if (typeof m?.marker !== 'string') throw new InputError(`${file}: ${where}: 'marker' (the comment's text) is required`);
    if (m.each !== 'isolated' && m.each !== 'once') throw new InputError(`${file}: ${where}: 'each' must be 'isolated' or 'once'`);
    if (m.stacks !== undefined && m.stacks !== 'private') throw new InputError(`${file}: ${where}: 'stacks' can only be 'private'`);
    markers.push({
      marker: m.marker,
      each: m.each,
      template: templateText(dir, file, m.template, where),
      privateStacksOnly: m.stacks === 'private',
      required: m.required === true,
      from: file,
    });
  });
  const sharing = new Map<SharingStrategy, SharingRule>();
  for (const [name, rule] of Object.entries((data.sharing ?? {}) as Record<string, Record<string, unknown>>)) {
    if (rule?.stacks !== 'shared' && rule?.stacks !== 'private') throw new InputError(`${file}: sharing.${name}: 'stacks' must be 'shared' or 'private'`);
    sharing.set(name as SharingStrategy, { stacks: rule.stacks, kconfig: strings(rule.kconfig, file, `sharing.${name}.kconfig`) });
  }
  const hardening = new Map<string, HardeningRule>();
  for (const [name, rule] of Object.entries((data.hardening ?? {}) as Record<string, Record<string, unknown>>)) {
    hardening.set(name, { cflags: strings(rule?.cflags, file, `hardening.${name}.cflags`), kconfig: strings(rule?.kconfig, file, `hardening.${name}.kconfig`) });
  }
  const lls = data.library_linker_script;
  return {
    file,
    dir,
    kconfig: strings(data.kconfig, file, 'kconfig'),
    maxCompartments: typeof data.max_compartments === 'number' ? data.max_compartments : null,
    sharing,
    markers,
    libraryLinkerScript: typeof lls === 'string' ? templateText(dir, file, lls, 'library_linker_script') : null,
    hardening,
  };
}

/** Every marker any rules folder knows (a known marker this deployment does not use disappears). */
export function allKnownMarkers(folders: string[], rulesDir = RULES_DIR): Set<string> {
  const known = new Set<string>();
  for (const f of folders) for (const m of loadUnikraftRules(f, rulesDir)?.markers ?? []) known.add(m.marker);
  return known;
}
