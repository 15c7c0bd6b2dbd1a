import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { newTempDir } from '../support/temp-tree.js';

describe('analyze --config', () => {
  test('adds a library the configuration names by path and shows every compartment', async () => {
    const root = newTempDir('flexos-cfg-');
    mkdirSync(join(root, 'tree', 'liba'), { recursive: true });
    mkdirSync(join(root, 'outside', 'libx'), { recursive: true });
    writeFileSync(join(root, 'tree', 'liba', 'Makefile.uk'), '$(eval $(call addlib,liba))\n');
    writeFileSync(join(root, 'tree', 'liba', 'a.c'), 'int x_get(void);\nint a(void) { return x_get(); }\n');
    writeFileSync(join(root, 'outside', 'libx', 'Makefile.uk'), '$(eval $(call addlib,libx))\n');
    writeFileSync(join(root, 'outside', 'libx', 'x.c'), 'int x_get(void) { return 7; }\n');
    writeFileSync(
      join(root, 'tree', 'kraft.yaml'),
      'compartments:\n  - name: main\n    mechanism: { driver: fcalls }\n    default: true\n  - name: iso\n    mechanism: { driver: vmept }\nlibraries:\n  x:\n    path: ../outside/libx\n    compartment: iso\n',
    );
    const r = await runCli(['analyze', join(root, 'tree'), '--config', join(root, 'tree', 'kraft.yaml'), '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.libraries.map((l: { name: string; compartment: unknown }) => [l.name, l.compartment])).toEqual([
      ['liba', { id: 0, name: 'main', mechanism: 'fcalls' }],
      ['libx', { id: 1, name: 'iso', mechanism: 'vmept' }],
    ]);
    expect(s.crossCalls).toEqual([{ from: 'liba', to: 'libx', exported: 1, unexported: 0, gates: 0 }]);
  });

  test('a library the configuration names but the tree lacks is listed as fetched by kraft, not an error', async () => {
    const root = newTempDir('flexos-cfg-');
    mkdirSync(join(root, 'liba'));
    writeFileSync(join(root, 'liba', 'Makefile.uk'), '$(eval $(call addlib,liba))\n');
    writeFileSync(join(root, 'k.yaml'), 'compartments:\n  - name: main\n    mechanism: { driver: fcalls }\n  - name: other\n    mechanism: { driver: fcalls }\nlibraries:\n  tlsf: { compartment: other }\n');
    const r = await runCli(['analyze', root, '-c', join(root, 'k.yaml'), '--json']);
    expect(r.code).toBe(0);
    const tlsf = JSON.parse(r.stdout).libraries.find((l: { name: string }) => l.name === 'libtlsf');
    expect(tlsf).toMatchObject({ absent: true, compartment: { name: 'other' } });
  });
});
