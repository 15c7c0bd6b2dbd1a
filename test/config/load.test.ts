import { describe, expect, test } from '@jest/globals';
import { ConfigError, parseConfig, type DeploymentConfig } from '../../src/config/index.js';

const opts = { knownDrivers: ['fcalls', 'intel-pku', 'vmept'] };
const FILE = '/cfg/kraft.yaml';

/** Joins lines so tests can count them: element i is line i + 1. */
const yaml = (...lines: string[]): string => lines.join('\n') + '\n';

const parse = (text: string): DeploymentConfig => parseConfig(text, FILE, opts);

/** The ConfigError thrown for `text` (fails the test when nothing or something else is thrown). */
function errorOf(text: string): ConfigError {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw new Error(`expected a ConfigError, got ${String(e)}`);
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

const at = (line: number, column: number) => ({ file: FILE, line, column });

const FLEXOS_REDIS = yaml(
  "specification: '0.6'", //             1
  'name: redis', //                      2
  'unikraft:', //                        3
  '  version: staging', //               4
  '  kconfig: [CONFIG_LIBFLEXOS=y]', //  5
  'targets:', //                         6
  '  - architecture: x86_64', //         7
  '    platform: kvm', //                8
  'compartments:', //                    9
  '  - name: comp1', //                 10
  '    mechanism:', //                  11
  '      driver: intel-pku', //         12
  '      noisolstack: false', //        13
  '    default: true', //               14
  '  - name: comp2', //                 15
  '    mechanism:', //                  16
  '      driver: intel-pku', //         17
  'libraries:', //                      18
  '  lwip:', //                         19
  '    version: staging', //            20
  '    compartment: comp2', //          21
  '    hardening: [asan]', //           22
  '  newlib:', //                       23
  '    version: staging', //            24
  '    compartment: comp1', //          25
);

describe('a FlexOS kraft.yaml loads unchanged', () => {
  const config = parse(FLEXOS_REDIS);

  test('compartments are numbered in declaration order with their driver and options', () => {
    expect(config.file).toBe(FILE);
    expect(config.compartments).toEqual([
      { id: 0, name: 'comp1', driver: 'intel-pku', isDefault: true, options: { noisolstack: false }, location: at(10, 5) },
      { id: 1, name: 'comp2', driver: 'intel-pku', isDefault: false, options: {}, location: at(15, 5) },
    ]);
    expect(config.defaultCompartment).toBe(config.compartments[0]);
  });

  test('libraries keep their key, compartment and hardening with positions', () => {
    expect(config.libraries).toEqual([
      {
        key: 'lwip',
        compartment: 'comp2',
        hardening: ['asan'],
        location: at(19, 3),
        compartmentLocation: at(21, 18),
        hardeningLocations: [at(22, 17)],
      },
      { key: 'newlib', compartment: 'comp1', hardening: [], location: at(23, 3), compartmentLocation: at(25, 18), hardeningLocations: [] },
    ]);
  });

  test('sharing defaults to shared-stack', () => {
    expect(config.sharing).toBe('shared-stack');
    expect(config.sharingLocation).toBeUndefined();
  });

  test('the flow-style example of SPEC §3 gives the same deployment', () => {
    const flow = parse(
      yaml(
        'compartments:',
        '  - name: comp1',
        '    mechanism: { driver: intel-pku, noisolstack: false }',
        '    default: true',
        '  - name: comp2',
        '    mechanism: { driver: intel-pku }',
        'libraries:',
        '  lwip: { compartment: comp2, hardening: [asan] }',
        '  newlib: { compartment: comp1 }',
      ),
    );
    expect(flow.compartments.map((c) => [c.id, c.name, c.driver, c.isDefault, c.options])).toEqual([
      [0, 'comp1', 'intel-pku', true, { noisolstack: false }],
      [1, 'comp2', 'intel-pku', false, {}],
    ]);
    expect(flow.libraries.map((l) => [l.key, l.compartment, l.hardening])).toEqual([
      ['lwip', 'comp2', ['asan']],
      ['newlib', 'comp1', []],
    ]);
    expect(flow.libraries[0].hardeningLocations).toEqual([at(8, 43)]);
  });
});

describe('our extensions', () => {
  const MIXED = yaml(
    'sharing: dss', //                     1
    'compartments:', //                    2
    '  - name: trusted', //                3
    '    mechanism: { driver: fcalls }', // 4
    '  - name: net', //                    5
    '    mechanism: { driver: intel-pku }', // 6
    '    default: true', //                7
    '  - name: vm', //                     8
    '    mechanism: { driver: vmept }', //  9
    'libraries:', //                      10
    '  liblwip: { compartment: net, hardening: [ubsan, stack-protector] }', // 11
    '  app: { path: ../app, compartment: vm }', // 12
    '  newlib:', //                       13
    '  uktime: staging', //               14
  );
  const config = parse(MIXED);

  test('a mechanism per compartment', () => {
    expect(config.compartments.map((c) => [c.id, c.name, c.driver, c.isDefault])).toEqual([
      [0, 'trusted', 'fcalls', false],
      [1, 'net', 'intel-pku', true],
      [2, 'vm', 'vmept', false],
    ]);
    expect(config.defaultCompartment.name).toBe('net');
  });

  test('explicit sharing with its position', () => {
    expect(config.sharing).toBe('dss');
    expect(config.sharingLocation).toEqual(at(1, 10));
  });

  test('library keys as written, path resolved against the file, default compartment when absent', () => {
    expect(config.libraries.map((l) => [l.key, l.compartment, l.hardening, l.path])).toEqual([
      ['liblwip', 'net', ['ubsan', 'stack-protector'], undefined],
      ['app', 'vm', [], '/app'],
      ['newlib', 'net', [], undefined],
      ['uktime', 'net', [], undefined],
    ]);
    expect(config.libraries[0].hardeningLocations).toEqual([at(11, 44), at(11, 51)]);
    expect(config.libraries[1].pathLocation).toEqual(at(12, 16));
    expect(config.libraries[2].compartmentLocation).toBeUndefined();
  });

  test.each(['shared-stack', 'dss', 'heap'])('sharing: %s', (s) => {
    const c = parse(yaml(`sharing: ${s}`, 'compartments:', '  - name: a', '    mechanism: { driver: fcalls }'));
    expect(c.sharing).toBe(s);
  });

  test('no default marked: the first compartment is the default (as in FlexOS)', () => {
    const c = parse(yaml('compartments:', '  - name: a', '    mechanism: { driver: fcalls }', '  - name: b', '    mechanism: { driver: fcalls }'));
    expect(c.defaultCompartment.name).toBe('a');
    expect(c.compartments.map((x) => x.isDefault)).toEqual([true, false]);
  });

  test('aliases, merge keys and YAML 1.1 booleans (PyYAML) are understood', () => {
    const c = parse(
      yaml(
        'x-pku: &pku { driver: intel-pku, noisolstack: true }',
        'compartments:',
        '  - name: a',
        '    mechanism: *pku',
        '  - name: b',
        '    mechanism: { <<: *pku, noisolstack: false }',
        '    default: yes',
      ),
    );
    expect(c.compartments.map((x) => [x.driver, x.options, x.isDefault])).toEqual([
      ['intel-pku', { noisolstack: true }, false],
      ['intel-pku', { noisolstack: false }, true],
    ]);
  });

  test('hardening aliases map to canonical names, duplicates dropped', () => {
    const c = parse(
      yaml('compartments:', '  - name: a', '    mechanism: { driver: fcalls }', 'libraries:', '  lwip: { hardening: [sp, kasan, asan] }'),
    );
    expect(c.libraries[0].hardening).toEqual(['stack-protector', 'asan']);
    expect(c.libraries[0].hardeningLocations).toEqual([at(5, 23), at(5, 27)]);
  });
});

describe('errors point at the offending key or value and say what is allowed', () => {
  const COMPS = ['compartments:', '  - name: comp1', '    mechanism: { driver: intel-pku }'];

  test('malformed YAML', () => {
    const e = errorOf(yaml('compartments:', '  - name: comp1', '    mechanism: { driver: intel-pku', 'libraries: {}'));
    expect(e.location).toEqual(at(4, 1));
    expect(e.message).toMatch(/^\/cfg\/kraft\.yaml:4:1: invalid YAML: .*fix the syntax/);
  });

  test('duplicate key', () => {
    const e = errorOf(yaml(...COMPS, 'sharing: dss', 'sharing: heap'));
    expect(e.location).toEqual(at(5, 1));
    expect(e.detail).toMatch(/invalid YAML: Map keys must be unique/);
  });

  test('several documents', () => {
    const e = errorOf(yaml(...COMPS, '---', 'sharing: dss'));
    expect(e.location).toEqual(at(4, 1));
    expect(e.detail).toMatch(/several documents.*remove the extra ones/);
  });

  test('not a mapping', () => {
    const e = errorOf(yaml('', '- name: comp1'));
    expect(e.location).toEqual(at(2, 1));
    expect(e.detail).toBe('the configuration must be a mapping (top-level keys such as `compartments:` and `libraries:`); found a list');
  });

  test('empty file', () => {
    const e = errorOf('');
    expect(e.location).toEqual(at(1, 1));
    expect(e.detail).toMatch(/must be a mapping .*found an empty value/);
  });

  test('no compartments key', () => {
    const e = errorOf(yaml('# a comment', 'name: app', 'libraries: {}'));
    expect(e.location).toEqual(at(2, 1));
    expect(e.detail).toMatch(/has no `compartments`; add a `compartments:` list/);
  });

  test('empty compartments', () => {
    const e = errorOf(yaml('compartments: []'));
    expect(e.location).toEqual(at(1, 15));
    expect(e.detail).toMatch(/`compartments` is empty; declare at least one compartment/);
  });

  test('compartments is not a list', () => {
    const e = errorOf(yaml('compartments:', '  comp1: { driver: intel-pku }'));
    expect(e.location).toEqual(at(2, 3));
    expect(e.detail).toMatch(/^`compartments` must be a list \(one `- name: …` entry per compartment\); found a mapping$/);
  });

  test('compartments with no value', () => {
    const e = errorOf(yaml('compartments:', 'libraries: {}'));
    expect(e.location).toEqual(at(1, 1));
    expect(e.detail).toMatch(/must be a list .*found an empty value/);
  });

  test('a compartment entry is not a mapping', () => {
    const e = errorOf(yaml('compartments:', '  - comp1'));
    expect(e.location).toEqual(at(2, 5));
    expect(e.detail).toMatch(/each entry of `compartments` must be a mapping \(with `name`, `mechanism`/);
  });

  test('unknown key in a compartment', () => {
    const e = errorOf(yaml(...COMPS, '    defualt: true'));
    expect(e.location).toEqual(at(4, 5));
    expect(e.detail).toBe('unknown key `defualt` at `compartments[0]`; did you mean `default`? (known keys here: name, mechanism, default)');
  });

  test('compartment without a name', () => {
    const e = errorOf(yaml('compartments:', '  - mechanism: { driver: fcalls }'));
    expect(e.location).toEqual(at(2, 5));
    expect(e.detail).toMatch(/has no `name`; add `name: <compartment name>`/);
  });

  test('compartment name of the wrong type', () => {
    const e = errorOf(yaml('compartments:', '  - name: [a]', '    mechanism: { driver: fcalls }'));
    expect(e.location).toEqual(at(2, 11));
    expect(e.detail).toMatch(/a compartment `name` must be a non-empty string .*found a list/);
  });

  test('duplicate compartment name', () => {
    const e = errorOf(yaml(...COMPS, '  - name: comp1', '    mechanism: { driver: fcalls }'));
    expect(e.location).toEqual(at(4, 11));
    expect(e.detail).toBe('duplicate compartment name "comp1" (already declared at line 2); compartment names must be unique');
  });

  test('unknown driver lists the known ones', () => {
    const e = errorOf(yaml('compartments:', '  - name: comp1', '    mechanism:', '      driver: intel-mpk'));
    expect(e.location).toEqual(at(4, 15));
    expect(e.detail).toBe('unknown isolation driver "intel-mpk"; known drivers: fcalls, intel-pku, vmept');
  });

  test('missing mechanism', () => {
    const e = errorOf(yaml('compartments:', '  - name: comp1', '    default: true'));
    expect(e.location).toEqual(at(2, 5));
    expect(e.detail).toBe('compartment "comp1" has no `mechanism`; add `mechanism: { driver: <one of fcalls, intel-pku, vmept> }`');
  });

  test('mechanism without a driver', () => {
    const e = errorOf(yaml('compartments:', '  - name: comp1', '    mechanism: { noisolstack: true }'));
    expect(e.location).toEqual(at(3, 16));
    expect(e.detail).toMatch(/has no `driver`; add `driver:` with one of: fcalls, intel-pku, vmept/);
  });

  test('mechanism of the wrong type', () => {
    const e = errorOf(yaml('compartments:', '  - name: comp1', '    mechanism: intel-pku'));
    expect(e.location).toEqual(at(3, 16));
    expect(e.detail).toMatch(/`mechanism` of compartment "comp1" must be a mapping .*found the string "intel-pku"/);
  });

  test('two compartments marked default', () => {
    const e = errorOf(
      yaml(...COMPS, '    default: true', '  - name: comp2', '    mechanism: { driver: intel-pku }', '    default: true'),
    );
    expect(e.location).toEqual(at(7, 5));
    expect(e.detail).toBe(
      'compartment "comp2" is marked `default: true` but "comp1" (line 4) already is; exactly one compartment may be the default, remove one of them',
    );
  });

  test('default that is not a boolean', () => {
    const e = errorOf(yaml(...COMPS, '    default: maybe'));
    expect(e.location).toEqual(at(4, 14));
    expect(e.detail).toBe('`default` must be true or false; found the string "maybe"');
  });

  test('library naming an unknown compartment lists the declared ones', () => {
    const e = errorOf(yaml(...COMPS, 'libraries:', '  lwip:', '    compartment: comp2'));
    expect(e.location).toEqual(at(6, 18));
    expect(e.detail).toBe('library lwip names compartment "comp2", which is not declared; declared compartments: comp1');
  });

  test('libraries is a list', () => {
    const e = errorOf(yaml(...COMPS, 'libraries:', '  - lwip'));
    expect(e.location).toEqual(at(5, 3));
    expect(e.detail).toMatch(/^`libraries` must be a mapping \(one `<library>: \{ compartment: … \}` entry per library\); found a list$/);
  });

  test('unknown key in a library', () => {
    const e = errorOf(yaml(...COMPS, 'libraries:', '  lwip: { compartmnet: comp1 }'));
    expect(e.location).toEqual(at(5, 11));
    expect(e.detail).toBe('unknown key `compartmnet` at `libraries.lwip`; did you mean `compartment`? (known keys here: compartment, hardening, path, version, kconfig, is_core, source)');
  });

  test('same library under two spellings', () => {
    const e = errorOf(yaml(...COMPS, 'libraries:', '  lwip: {}', '  liblwip: {}'));
    expect(e.location).toEqual(at(6, 3));
    expect(e.detail).toBe('library liblwip is the same library as lwip (line 5); configure it once');
  });

  test('bad hardening name lists the allowed ones', () => {
    const e = errorOf(yaml(...COMPS, 'libraries:', '  lwip:', '    hardening: [asan, msan]'));
    expect(e.location).toEqual(at(6, 23));
    expect(e.detail).toBe(
      'unknown hardening "msan"; allowed: ubsan, asan, stack-protector, cfi, safestack (aliases: kasan = asan, sp = stack-protector, ssp = stack-protector, stackprotector = stack-protector, safe-stack = safestack)',
    );
  });

  test('hardening that is not a list', () => {
    const e = errorOf(yaml(...COMPS, 'libraries:', '  lwip:', '    hardening: asan'));
    expect(e.location).toEqual(at(6, 16));
    expect(e.detail).toMatch(/^`hardening` of library lwip must be a list \(e\.g\. `hardening: \[asan\]`; allowed: ubsan, .*\); found the string "asan"$/);
  });

  test('hardening entry that is not a string', () => {
    const e = errorOf(yaml(...COMPS, 'libraries:', '  lwip:', '    hardening:', '      - asan', '      - { cfi: true }'));
    expect(e.location).toEqual(at(8, 9));
    expect(e.detail).toMatch(/each `hardening` entry must be a non-empty string .*found a mapping/);
  });

  test('cfi is refused by gcc at the hardening value', () => {
    const e = errorOf(yaml(...COMPS, 'libraries:', '  lwip:', '    hardening: [ubsan, cfi]'));
    expect(e.location).toEqual(at(6, 24));
    expect(e.detail).toMatch(/^hardening "cfi" is not supported by the compiler gcc \(.*cfi.*\); build with a compiler that supports it \(e\.g\. clang\) or remove "cfi" from the list$/);
  });

  test('safestack (written safe-stack) is refused by gcc', () => {
    const e = errorOf(yaml(...COMPS, 'libraries:', '  lwip:', '    hardening:', '      - safe-stack'));
    expect(e.location).toEqual(at(7, 9));
    expect(e.detail).toMatch(/^hardening "safe-stack" is not supported by the compiler gcc .*remove "safe-stack" from the list$/);
  });

  test('bad sharing value lists the allowed ones', () => {
    const e = errorOf(yaml(...COMPS, 'sharing: stack'));
    expect(e.location).toEqual(at(4, 10));
    expect(e.detail).toBe('unknown sharing strategy "stack"; allowed: shared-stack, dss, heap (default shared-stack)');
  });

  test('sharing of the wrong type', () => {
    const e = errorOf(yaml(...COMPS, 'sharing: [dss]'));
    expect(e.location).toEqual(at(4, 10));
    expect(e.detail).toMatch(/`sharing` must be a non-empty string \(one of: shared-stack, dss, heap\); found a list/);
  });

  test('path of the wrong type', () => {
    const e = errorOf(yaml(...COMPS, 'libraries:', '  app: { path: 3 }'));
    expect(e.location).toEqual(at(5, 16));
    expect(e.detail).toMatch(/`path` of library app must be a non-empty string .*found the number 3/);
  });

  test('a library entry of the wrong type', () => {
    const e = errorOf(yaml(...COMPS, 'libraries:', '  lwip: [comp1]'));
    expect(e.location).toEqual(at(5, 9));
    expect(e.detail).toMatch(/library lwip must be a mapping .*found a list/);
  });

  test('message starts with file:line:col', () => {
    const e = errorOf(yaml(...COMPS, 'sharing: stack'));
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ConfigError');
    expect(e.message).toBe(`${FILE}:4:10: ${e.detail}`);
  });
});
