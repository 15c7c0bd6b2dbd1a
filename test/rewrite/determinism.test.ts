import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { rewriteInMemory, runCli } from './support.js';
import { newTempDir } from '../support/temp-tree.js';

const CONFIGS = ['fcalls-1', 'vmept-2', 'vmept-3', 'pku-2', 'pku-3', 'mixed-pku-vmept'];

describe('rewrite is deterministic and idempotent on the whole corpus', () => {
  test.each(CONFIGS)('%s: same bytes twice; rewriting the output changes nothing', async (name) => {
    const config = `corpus/configs/${name}.yaml`;
    const first = rewriteInMemory('corpus/ported', config);
    const second = rewriteInMemory('corpus/ported', config);
    expect([...second.sources]).toEqual([...first.sources]);
    expect([...second.generated]).toEqual([...first.generated]);
    expect(first.changed.length).toBeGreaterThan(0);

    const out = newTempDir(`flexos-det-${name}-`);
    const r1 = await runCli(['rewrite', 'corpus/ported', '-c', config, '-o', out]);
    expect(r1.code).toBe(0);
    const again = rewriteInMemory(out, config);
    expect(again.changed).toEqual([]);
    for (const [path, text] of again.generated) expect(readFileSync(join(out, path), 'latin1')).toBe(text);
    const diff = await runCli(['rewrite', out, '-c', config, '--diff']);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toBe('');
  });
});

/** A tiny tree with one broken thing, for the error paths. */
function brokenTree(aSource: string): string {
  const root = newTempDir('flexos-bad-');
  for (const lib of ['liba', 'libb']) {
    mkdirSync(join(root, lib), { recursive: true });
    writeFileSync(join(root, lib, 'Makefile.uk'), `$(eval $(call addlib,${lib}))\n`);
  }
  writeFileSync(join(root, 'libb', 'exportsyms.uk'), 'b_add\nb_pair\nb_many\nb_mk6\n');
  writeFileSync(
    join(root, 'libb', 'b.c'),
    'struct pair { int a, b; };\nint b_add(int x, int y) { return x + y; }\nint b_pair(struct pair p) { return p.a; }\nint b_many(int a, int b, int c, int d, int e, int f, int g) { return a + g; }\nstruct pair b_mk6(int a, int b, int c, int d, int e, int f) { struct pair p = { a + c + e, b + d + f }; return p; }\n',
  );
  writeFileSync(join(root, 'liba', 'a.c'), `#include <flexos/isolation.h>\nstruct pair { int a, b; };\nint b_add(int, int);\nint b_pair(struct pair);\nint b_many(int, int, int, int, int, int, int); struct pair b_mk6(int, int, int, int, int, int);\n${aSource}\n`);
  return root;
}

const CONFIG = `compartments:\n  - name: one\n    mechanism: { driver: vmept }\n    default: true\n  - name: two\n    mechanism: { driver: vmept }\nlibraries:\n  libb: { compartment: two }\nsharing: dss\n`;

describe('bad input: a clear error with its location, exit 2, nothing written', () => {
  const cases: [string, string, string | null, RegExp][] = [
    ['a gate with 7 arguments', 'int f(void) { int r; flexos_gate_r(libb, r, b_many, 1, 2, 3, 4, 5, 6, 7); return r; }', null, /a\.c:6:\d+: error: gate passes 7 arguments.*\[gate-too-many-arguments\]/],
    // a struct by value is marshalled through shared memory; its result buffer takes a seventh slot here
    ['a struct result with 6 arguments', 'int f(void) { struct pair p; flexos_gate_r(libb, p, b_mk6, 1, 2, 3, 4, 5, 6); return p.a; }', null, /a\.c:6:\d+: error: 'b_mk6' returns a struct by value and takes 6 arguments.*\[gate-too-many-arguments\]/],
    ['an unknown compartment in the configuration', 'int f(void) { return 0; }', CONFIG.replace('libb: { compartment: two }', 'libb: { compartment: three }'), /config\.yaml:8:\d+: .*three/],
    ['a malformed YAML file', 'int f(void) { return 0; }', 'compartments:\n  - name: [unclosed\n', /config\.yaml:\d+:\d+: /],
  ];
  test.each(cases)('%s', async (_label, source, config, message) => {
    const root = brokenTree(source);
    const configFile = join(root, 'config.yaml');
    writeFileSync(configFile, config ?? CONFIG);
    const out = `${root}-out`; // outside the tree: an output inside it is refused
    const r = await runCli(['rewrite', root, '-c', configFile, '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
    const inPlace = await runCli(['rewrite', root, '-c', configFile, '--in-place']);
    expect(inPlace.code).toBe(2);
    expect(readdirSync(join(root, 'liba')).sort()).toEqual(['Makefile.uk', 'a.c']);
  });
});
