/**
 * Every configuration of a space: layouts × mechanism per compartment × hardening per library ×
 * stack strategy, in a fixed order (layouts in RGS order, then mechanisms, hardening, sharing),
 * so that configuration numbers are stable for a given spec.
 */
import type { Configuration, Layout, Space } from './model.js';

/** Mechanism assignments for a layout. A lone compartment has no boundary to isolate, so it
 * gets the weakest allowed mechanism only (the others would be the same deployment). */
export function mechanismAssignments(space: Space, layout: Layout): string[][] {
  const drivers = space.mechanisms.map((m) => m.driver);
  if (layout.blocks === 1) return [[drivers[0]!]];
  if (space.mechanismPer === 'deployment') return drivers.map((d) => new Array<string>(layout.blocks).fill(d));
  const out: string[][] = [];
  const current = new Array<string>(layout.blocks);
  const walk = (b: number): void => {
    if (b === layout.blocks) return void out.push([...current]);
    for (const d of drivers) {
      current[b] = d;
      walk(b + 1);
    }
  };
  walk(0);
  return out;
}

/** How many configurations the space holds, without building them. */
export function countConfigurations(space: Space): number {
  const hardening = space.hardening.reduce((n, options) => n * options.length, 1);
  const mechanisms = space.layouts.reduce((n, l) => n + mechanismAssignments(space, l).length, 0);
  return mechanisms * hardening * space.sharing.length;
}

function hardeningChoices(space: Space): number[][] {
  let acc: number[][] = [[]];
  for (const options of space.hardening) {
    const next: number[][] = [];
    for (const prefix of acc) for (let i = 0; i < options.length; i++) next.push([...prefix, i]);
    acc = next;
  }
  return acc;
}

/** All configurations, at most `limit` (enumeration stops there). */
export function enumerateConfigurations(space: Space, limit = Infinity): Configuration[] {
  const out: Configuration[] = [];
  const hardening = hardeningChoices(space);
  for (let layout = 0; layout < space.layouts.length; layout++) {
    for (const mechanisms of mechanismAssignments(space, space.layouts[layout]!)) {
      for (const h of hardening) {
        for (const sharing of space.sharing) {
          if (out.length >= limit) return out;
          out.push({ layout, mechanisms, hardening: h, sharing });
        }
      }
    }
  }
  return out;
}

/** The hardening names of library `lib` in `config`. */
export function hardeningOf(space: Space, config: Configuration, lib: number): readonly string[] {
  return space.hardening[lib]![config.hardening[lib]!]!;
}

/** Strings of a space that keys and labels repeat, computed once per space. */
interface SpaceText {
  /** Per layout, per block: library names joined with `+` (keys) and `,` (labels). */
  keyBlocks: string[][];
  labelBlocks: string[][];
  /** Per library, per hardening option: `lib:h1+h2` (keys) and the label form ('' when none). */
  keyHardening: string[][];
  labelHardening: string[][];
}

const textCache = new WeakMap<Space, SpaceText>();

function spaceText(space: Space): SpaceText {
  let t = textCache.get(space);
  if (t) return t;
  const blocksOf = (sep: string) =>
    space.layouts.map((layout) => Array.from({ length: layout.blocks }, (_, b) => space.libraries.filter((_, i) => layout.blockOf[i] === b).join(sep)));
  t = {
    keyBlocks: blocksOf('+'),
    labelBlocks: blocksOf(','),
    keyHardening: space.hardening.map((options, i) => options.map((h) => (h.length ? `${space.libraries[i]}:${h.join('+')}` : ''))),
    labelHardening: space.hardening.map((options, i) => options.map((h) => (h.length === 0 ? '' : options.length === 2 ? space.libraries[i]! : `${space.libraries[i]}=${h.join('+')}`))),
  };
  textCache.set(space, t);
  return t;
}

/** The canonical key: equal for configurations equal up to compartment renumbering. */
export function configurationKey(space: Space, config: Configuration): string {
  const t = spaceText(space);
  const blocks = t.keyBlocks[config.layout]!.map((libs, b) => `${libs}@${config.mechanisms[b]}`);
  const hardening: string[] = [];
  for (let i = 0; i < config.hardening.length; i++) {
    const h = t.keyHardening[i]![config.hardening[i]!]!;
    if (h) hardening.push(h);
  }
  return `${blocks.join('|')};${hardening.join(',') || '-'};${config.sharing}`;
}

/**
 * A short human-readable label: the compartments other than the default one (`{}` = one
 * compartment), with their mechanism when the space has several (`*` = the default compartment),
 * then the hardened libraries (`h:lwip,uksched`; a library with several options shows its set,
 * `h:kvs=ubsan+asan`), then the strategy when the space has several: `{kvs|ramfs} h:kvs dss`.
 */
export function configurationLabel(space: Space, config: Configuration): string {
  const t = spaceText(space);
  const names = t.labelBlocks[config.layout]!;
  const many = space.mechanisms.length > 1 && names.length > 1;
  const shown = many ? names.map((libs, b) => `${b === 0 ? '*' : libs}:${config.mechanisms[b]}`) : names.slice(1);
  const hardened: string[] = [];
  for (let i = 0; i < config.hardening.length; i++) {
    const h = t.labelHardening[i]![config.hardening[i]!]!;
    if (h) hardened.push(h);
  }
  let label = `{${shown.join('|')}}`;
  if (hardened.length > 0) label += ` h:${hardened.join(',')}`;
  if (space.sharing.length > 1) label += ` ${config.sharing}`;
  return label;
}
