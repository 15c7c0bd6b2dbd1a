/**
 * The space spec (`flexos explore space.yaml`): libraries, layouts (given, or generated from
 * constraints), mechanisms, hardening options per library and stack strategies. Every problem is
 * a ConfigError at the file:line:col of the offending key or value.
 */
import { isSeq, type Node } from 'yaml';
import { canonicalHardening, describeHardeningNames } from '../config/hardening.js';
import { SHARING_STRATEGIES, type SourceLocation } from '../config/types.js';
import {
  deref,
  expectMap,
  expectSeq,
  expectString,
  fail,
  fieldsOf,
  findField,
  locationOf,
  parseYamlFile,
  rejectUnknownKeys,
  type Field,
  type YamlContext,
} from '../config/yaml-nodes.js';
import type { HardeningSet, Layout, MechanismChoice, Space } from './model.js';
import { canonicalBlocks, enumerateLayouts, layoutKey, type LayoutConstraints } from './partitions.js';

export const SPEC_KEYS = ['libraries', 'layouts', 'mechanisms', 'mechanism_per', 'hardening', 'sharing'] as const;
export const LAYOUT_KEYS = ['given', 'together', 'apart', 'min_compartments', 'max_compartments'] as const;
const LIBRARY_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

export interface ParsedSpace {
  space: Space;
  /** Things worth saying that are not errors (a given layout repeated up to renumbering). */
  notes: string[];
}

interface Ctx {
  yaml: YamlContext;
  libraries: string[];
}

function items(ctx: YamlContext, node: Node | null, at: SourceLocation, what: string, hint: string): { node: Node | null; at: SourceLocation }[] {
  const seq = expectSeq(node, at, what, hint);
  return seq.items.map((i) => ({ node: deref(ctx, i), at: locationOf(ctx, i, at) }));
}

function parseLibraries(ctx: YamlContext, field: Field | undefined, top: SourceLocation): string[] {
  if (!field) fail(top, 'the space has no `libraries`; add `libraries: [app, kvs, …]` (the first one\'s compartment is the default)');
  const names: string[] = [];
  for (const { node, at } of items(ctx, field.value, field.valueLocation, '`libraries`', 'library names as kraft.yaml keys')) {
    const name = expectString(node, at, 'a library name', 'e.g. `kvs`');
    if (!LIBRARY_NAME.test(name)) fail(at, `invalid library name "${name}"; use letters, digits, \`_\`, \`.\`, \`+\`, \`-\``);
    if (names.includes(name)) fail(at, `library ${name} is listed twice; list it once`);
    names.push(name);
  }
  if (names.length === 0) fail(field.valueLocation, '`libraries` is empty; list at least one library');
  return names;
}

function libraryIndex(c: Ctx, node: Node | null, at: SourceLocation): number {
  const name = expectString(node, at, 'a library name', `one of: ${c.libraries.join(', ')}`);
  const i = c.libraries.indexOf(name);
  if (i === -1) fail(at, `unknown library "${name}"; the space's \`libraries\` are: ${c.libraries.join(', ')}`);
  return i;
}

function libraryGroups(c: Ctx, field: Field | undefined, what: string): number[][] {
  if (!field) return [];
  return items(c.yaml, field.value, field.valueLocation, what, 'a list of lists of libraries').map(({ node, at }) =>
    items(c.yaml, node, at, `each group of ${what}`, 'a list of libraries').map((m) => libraryIndex(c, m.node, m.at)),
  );
}

function positiveInt(field: Field | undefined, fallback: number, what: string): number {
  if (!field) return fallback;
  const v = field.value && 'value' in field.value ? (field.value as { value: unknown }).value : undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(field.valueLocation, `${what} must be a positive integer`);
  return v;
}

function satisfies(layout: Layout, cons: LayoutConstraints): string | null {
  if (layout.blocks < cons.minCompartments) return `it has ${layout.blocks} compartments, fewer than min_compartments ${cons.minCompartments}`;
  if (layout.blocks > cons.maxCompartments) return `it has ${layout.blocks} compartments, more than max_compartments ${cons.maxCompartments}`;
  for (const g of cons.together) if (new Set(g.map((i) => layout.blockOf[i])).size > 1) return 'it splits a `together` group';
  for (const g of cons.apart) if (new Set(g.map((i) => layout.blockOf[i])).size < g.length) return 'it joins an `apart` group';
  return null;
}

function parseGiven(c: Ctx, field: Field, cons: LayoutConstraints, notes: string[]): Layout[] {
  const seen = new Map<string, number>();
  const out: Layout[] = [];
  items(c.yaml, field.value, field.valueLocation, '`layouts.given`', 'one entry per layout, each a list of compartments (lists of libraries)').forEach(({ node, at }, n) => {
    const assignment = new Array<number>(c.libraries.length).fill(-1);
    items(c.yaml, node, at, 'a layout', 'a list of compartments, each a list of libraries').forEach((comp, b) => {
      for (const m of items(c.yaml, comp.node, comp.at, 'a compartment', 'a list of libraries')) {
        const i = libraryIndex(c, m.node, m.at);
        if (assignment[i] !== -1) fail(m.at, `library ${c.libraries[i]} is in two compartments of this layout; put it in one`);
        assignment[i] = b;
      }
    });
    const missing = c.libraries.filter((_, i) => assignment[i] === -1);
    if (missing.length > 0) fail(at, `this layout does not place ${missing.join(', ')}; put every library of \`libraries\` in one compartment`);
    const layout = canonicalBlocks(assignment);
    const why = satisfies(layout, cons);
    if (why) fail(at, `this layout breaks the constraints: ${why}`);
    const key = layoutKey(layout);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      notes.push(`${at.file}:${at.line}:${at.column}: layout ${n + 1} is layout ${earlier + 1} up to renumbering; counted once`);
      return;
    }
    seen.set(key, n);
    out.push(layout);
  });
  return out;
}

function parseLayouts(c: Ctx, field: Field | undefined, notes: string[]): Layout[] {
  const n = c.libraries.length;
  if (!field) return enumerateLayouts(n, { together: [], apart: [], minCompartments: 1, maxCompartments: n });
  const map = expectMap(field.value, field.valueLocation, '`layouts`', `keys ${LAYOUT_KEYS.join(', ')}`);
  const fields = fieldsOf(c.yaml, map, field.valueLocation);
  rejectUnknownKeys(fields, LAYOUT_KEYS, '`layouts`');
  const cons: LayoutConstraints = {
    together: libraryGroups(c, findField(fields, 'together'), '`together`'),
    apart: libraryGroups(c, findField(fields, 'apart'), '`apart`'),
    minCompartments: positiveInt(findField(fields, 'min_compartments'), 1, '`min_compartments`'),
    maxCompartments: positiveInt(findField(fields, 'max_compartments'), n, '`max_compartments`'),
  };
  const given = findField(fields, 'given');
  const layouts = given ? parseGiven(c, given, cons, notes) : enumerateLayouts(n, cons);
  if (layouts.length === 0) fail(field.valueLocation, 'no layout meets these constraints; relax `together`, `apart` or the compartment bounds');
  return layouts;
}

function parseMechanisms(c: Ctx, field: Field | undefined, strengths: ReadonlyMap<string, number>): MechanismChoice[] {
  const known = [...strengths.keys()].join(', ');
  if (!field) return [{ driver: 'fcalls', strength: strengths.get('fcalls') ?? 0 }];
  const out: MechanismChoice[] = [];
  for (const { node, at } of items(c.yaml, field.value, field.valueLocation, '`mechanisms`', `drivers among ${known}`)) {
    const driver = expectString(node, at, 'a mechanism', `one of: ${known}`);
    const strength = strengths.get(driver);
    if (strength === undefined) fail(at, `unknown isolation driver "${driver}"; known drivers: ${known}`);
    if (out.some((m) => m.driver === driver)) fail(at, `mechanism ${driver} is listed twice; list it once`);
    out.push({ driver, strength });
  }
  if (out.length === 0) fail(field.valueLocation, '`mechanisms` is empty; list at least one driver');
  return out.sort((a, b) => a.strength - b.strength || (a.driver < b.driver ? -1 : 1));
}

function hardeningName(node: Node | null, at: SourceLocation): string {
  const name = expectString(node, at, 'a hardening name', describeHardeningNames());
  const canonical = canonicalHardening(name);
  if (canonical === undefined) fail(at, `unknown hardening "${name}"; allowed: ${describeHardeningNames()}`);
  return canonical;
}

/** Every subset of the listed options (an option that is a list is applied as one bundle). */
function hardeningSets(options: string[][]): HardeningSet[] {
  let sets: string[][] = [[]];
  for (const option of options) sets = [...sets, ...sets.map((s) => [...s, ...option.filter((h) => !s.includes(h))])];
  const seen = new Set<string>();
  return sets
    .map((s) => [...s].sort())
    .filter((s) => !seen.has(s.join('+')) && seen.add(s.join('+')))
    .sort((a, b) => a.length - b.length || (a.join('+') < b.join('+') ? -1 : 1));
}

function parseHardening(c: Ctx, field: Field | undefined): HardeningSet[][] {
  const perLibrary: HardeningSet[][] = c.libraries.map(() => [[]]);
  if (!field) return perLibrary;
  const map = expectMap(field.value, field.valueLocation, '`hardening`', '`<library>: [ubsan, stack-protector, …]`');
  for (const f of fieldsOf(c.yaml, map, field.valueLocation)) {
    const i = c.libraries.indexOf(f.name);
    if (i === -1) fail(f.keyLocation, `unknown library "${f.name}" under \`hardening\`; the space's libraries are: ${c.libraries.join(', ')}`);
    const options = items(c.yaml, f.value, f.valueLocation, `\`hardening.${f.name}\``, 'hardening names, or lists of names applied together').map(({ node, at }) =>
      isSeq(node) ? items(c.yaml, node, at, 'a hardening bundle', 'a list of hardening names').map((m) => hardeningName(m.node, m.at)) : [hardeningName(node, at)],
    );
    perLibrary[i] = hardeningSets(options);
  }
  return perLibrary;
}

function parseSharing(c: Ctx, field: Field | undefined): string[] {
  const allowed = SHARING_STRATEGIES.join(', ');
  if (!field) return ['shared-stack'];
  const out: string[] = [];
  for (const { node, at } of items(c.yaml, field.value, field.valueLocation, '`sharing`', `strategies among ${allowed}`)) {
    const s = expectString(node, at, 'a stack strategy', `one of: ${allowed}`);
    if (!(SHARING_STRATEGIES as readonly string[]).includes(s)) fail(at, `unknown sharing strategy "${s}"; allowed: ${allowed}`);
    if (out.includes(s)) fail(at, `sharing strategy ${s} is listed twice; list it once`);
    out.push(s);
  }
  if (out.length === 0) fail(field.valueLocation, '`sharing` is empty; list at least one strategy');
  return out;
}

/** Parses a space spec; `strengths` maps every known driver to its isolation strength. */
export function parseSpace(text: string, file: string, strengths: ReadonlyMap<string, number>): ParsedSpace {
  const yaml = parseYamlFile(text, file, { document: 'a space spec' });
  const start: SourceLocation = { file, line: 1, column: 1 };
  const at = locationOf(yaml, yaml.doc.contents, start);
  const root = expectMap(deref(yaml, yaml.doc.contents), at, 'the space spec', `top-level keys ${SPEC_KEYS.join(', ')}`);
  const fields = fieldsOf(yaml, root, at);
  rejectUnknownKeys(fields, SPEC_KEYS, 'the space spec');
  const c: Ctx = { yaml, libraries: parseLibraries(yaml, findField(fields, 'libraries'), at) };
  const notes: string[] = [];
  const layouts = parseLayouts(c, findField(fields, 'layouts'), notes);
  const mechanisms = parseMechanisms(c, findField(fields, 'mechanisms'), strengths);
  const perField = findField(fields, 'mechanism_per');
  let mechanismPer: Space['mechanismPer'] = 'compartment';
  if (perField) {
    const v = expectString(perField.value, perField.valueLocation, '`mechanism_per`', 'compartment or deployment');
    if (v !== 'compartment' && v !== 'deployment') fail(perField.valueLocation, `\`mechanism_per\` must be compartment or deployment, not "${v}"`);
    mechanismPer = v;
  }
  const space: Space = {
    libraries: c.libraries,
    layouts,
    mechanisms,
    mechanismPer,
    hardening: parseHardening(c, findField(fields, 'hardening')),
    sharing: parseSharing(c, findField(fields, 'sharing')),
  };
  return { space, notes };
}
