import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { rewriteForDeployment } from '../../src/emit/deployment-rewrite.js';
import { countConfigurations, configurationKey, enumerateConfigurations } from '../../src/explore/enumerate.js';
import { renderKraftYaml } from '../../src/explore/kraft.js';
import { canonicalBlocks, enumerateLayouts } from '../../src/explore/partitions.js';
import { parseSpace } from '../../src/explore/spec.js';
import { strengths } from './support.js';

const parse = (text: string) => parseSpace(text, 'space.yaml', strengths());
const errorOf = (text: string): string => {
  try {
    parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
};

describe('layouts up to renumbering', () => {
  test('every partition once: Bell numbers 1, 2, 5, 15, 52, 203', () => {
    const none = { together: [], apart: [], minCompartments: 1, maxCompartments: 99 };
    expect([1, 2, 3, 4, 5, 6].map((n) => enumerateLayouts(n, none).length)).toEqual([1, 2, 5, 15, 52, 203]);
  });

  test('renumbered assignments are one layout; the first library is in compartment 0', () => {
    expect(canonicalBlocks([3, 1, 3, 2]).blockOf).toEqual([0, 1, 0, 2]);
    expect(canonicalBlocks([1, 2, 1, 3])).toEqual(canonicalBlocks([2, 3, 2, 1]));
  });

  test('constraints: together, apart, compartment bounds', () => {
    // 4 libraries, 0 and 1 together, 2 and 3 apart, at most 2 compartments
    const layouts = enumerateLayouts(4, { together: [[0, 1]], apart: [[2, 3]], minCompartments: 1, maxCompartments: 2 });
    for (const l of layouts) {
      expect(l.blockOf[0]).toBe(l.blockOf[1]);
      expect(l.blockOf[2]).not.toBe(l.blockOf[3]);
      expect(l.blocks).toBeLessThanOrEqual(2);
    }
    // {01}{2}{3} is 3 compartments: excluded; {012}{3} and {013}{2} remain
    expect(layouts.map((l) => l.blockOf.join(''))).toEqual(['0001', '0010']);
    expect(enumerateLayouts(3, { together: [], apart: [], minCompartments: 3, maxCompartments: 3 }).map((l) => l.blockOf.join(''))).toEqual(['012']);
  });
});

describe('the space spec', () => {
  const SPEC = `
libraries: [app, kvs, ramfs, ukhash]
layouts:
  together: [[app, ukhash]]
  max_compartments: 3
mechanisms: [vmept, fcalls]
hardening:
  kvs: [ubsan]
  ramfs: [stack-protector, [ubsan, kasan]]
sharing: [dss, heap]
`;

  test('counts: layouts × mechanism per compartment × hardening × strategies', () => {
    const { space } = parse(SPEC);
    // partitions of {app+ukhash, kvs, ramfs}: 5; one with 1 compartment (1 mechanism), three
    // with 2 (4 assignments), one with 3 (8): 1 + 12 + 8 = 21 mechanism layouts
    expect(space.layouts.length).toBe(5);
    expect(space.mechanisms.map((m) => m.driver)).toEqual(['fcalls', 'vmept']); // weakest first
    expect(space.hardening[2]).toEqual([[], ['stack-protector'], ['asan', 'ubsan'], ['asan', 'stack-protector', 'ubsan']]);
    expect(countConfigurations(space)).toBe(21 * 2 * 4 * 2);
    const configs = enumerateConfigurations(space);
    expect(configs.length).toBe(countConfigurations(space));
    expect(new Set(configs.map((c) => configurationKey(space, c))).size).toBe(configs.length);
  });

  test('mechanism_per: deployment gives every compartment the same driver', () => {
    const { space } = parse(`libraries: [a, b, c]\nmechanisms: [fcalls, vmept, intel-pku]\nmechanism_per: deployment\n`);
    const configs = enumerateConfigurations(space);
    // 5 layouts: the lone compartment gets fcalls only, the 4 others 3 drivers each
    expect(configs.length).toBe(1 + 4 * 3);
    for (const c of configs) expect(new Set(c.mechanisms).size).toBe(1);
  });

  test('given layouts equal up to renumbering are counted once, with a note', () => {
    const { space, notes } = parse(`libraries: [a, b, c]\nlayouts:\n  given:\n    - [[a, b], [c]]\n    - [[c], [b, a]]\n    - [[a], [b], [c]]\n`);
    expect(space.layouts.map((l) => l.blockOf.join(''))).toEqual(['001', '012']);
    expect(notes).toEqual([expect.stringMatching(/^space\.yaml:5:7: layout 2 is layout 1 up to renumbering/)]);
  });

  test.each([
    ['libraries: [a, b]\nhardening:\n  c: [ubsan]\n', /^space\.yaml:3:3: unknown library "c" under `hardening`/],
    ['libraries: [a, b]\nmechanisms: [fcalls, ept]\n', /^space\.yaml:2:22: unknown isolation driver "ept"; known drivers: /],
    ['libraries: [a, b]\nhardening:\n  a: [msan]\n', /^space\.yaml:3:7: unknown hardening "msan"; allowed: /],
    ['libraries: [a, b]\nsharing: [stack]\n', /^space\.yaml:2:11: unknown sharing strategy "stack"/],
    ['libraries: [a, b]\nlayouts:\n  given:\n    - [[a]]\n', /^space\.yaml:4:7: this layout does not place b/],
    ['libraries: [a, b]\nlayouts:\n  apart: [[a, b]]\n  max_compartments: 1\n', /^space\.yaml:3:3: no layout meets these constraints/],
    ['libraries: [a, a]\n', /^space\.yaml:1:16: library a is listed twice/],
    ['librarys: [a]\n', /^space\.yaml:1:1: unknown key `librarys` in the space spec/],
    ['libraries: [a\n', /^space\.yaml:\d+:\d+: invalid YAML/],
    ['libraries: [a]\n---\nlibraries: [b]\n', /^space\.yaml:2:1: invalid YAML: the file holds several documents \(`---`\); a space spec is a single document, remove the extra ones$/],
  ])('error %#: names file:line:col and what to do', (text, pattern) => {
    expect(errorOf(text)).toMatch(pattern);
  });

  test('every configuration is a kraft.yaml the configuration loader accepts, as written', () => {
    const { space } = parse(SPEC);
    const dir = mkdtempSync(join(tmpdir(), 'flexos-explore-spec-'));
    try {
      for (const [i, c] of enumerateConfigurations(space).entries()) {
        const file = join(dir, `${i}.yaml`);
        writeFileSync(file, renderKraftYaml(space, c));
        const loaded = loadConfig(file, { knownDrivers: ['fcalls', 'intel-pku', 'vmept'] });
        const layout = space.layouts[c.layout]!;
        expect(loaded.compartments.map((k) => k.driver)).toEqual(c.mechanisms);
        expect(loaded.defaultCompartment.id).toBe(0);
        expect(loaded.sharing).toBe(c.sharing);
        for (const [l, lib] of space.libraries.entries()) {
          const entry = loaded.libraries.find((x) => x.key === lib)!;
          expect(entry.compartment).toBe(`comp${layout.blockOf[l]! + 1}`);
          expect([...entry.hardening].sort()).toEqual([...space.hardening[l]![c.hardening[l]!]!]);
        }
      }
      expect(readdirSync(dir).length).toBe(countConfigurations(space));
      expect(readFileSync(join(dir, '0.yaml'), 'utf8')).toMatch(/^# flexos explore: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('`flexos rewrite` rewrites the corpus for a generated configuration without errors', () => {
  const { space } = parse('libraries: [app, kvs, ramfs, ukhash]\nlayouts:\n  given:\n    - [[app, ukhash], [kvs], [ramfs]]\nmechanisms: [vmept]\nhardening:\n  kvs: [ubsan]\nsharing: [dss]\n');
  const [config] = enumerateConfigurations(space).slice(-1);
  const dir = mkdtempSync(join(tmpdir(), 'flexos-explore-rw-'));
  try {
    const file = join(dir, 'kraft.yaml');
    writeFileSync(file, renderKraftYaml(space, config!));
    const r = rewriteForDeployment('corpus/ported', file);
    expect(r.errors).toEqual([]);
    expect(r.deployment.compartments.map((c) => c.mechanism.driver)).toEqual(['vmept', 'vmept', 'vmept']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
