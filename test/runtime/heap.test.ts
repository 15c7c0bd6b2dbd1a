/**
 * The shared heap keeps every block intact and aligned through 20 000 random malloc / calloc /
 * memalign / palloc / realloc / free operations, half of them made by libB through gates — in
 * libB's own process under vmept, so both processes use one allocator state.
 */
import { buildDeployment, runNative, type DeploymentSpec } from './deploy.js';

const spec = (mech: 'fcalls' | 'vmept'): DeploymentSpec => ({
  tag: `heap-${mech}`,
  fixture: 'heap',
  sharing: 'heap',
  compartments: [
    { name: 'comp1', mechanism: mech, libs: ['libA'] },
    { name: 'comp2', mechanism: mech, libs: ['libB'] },
  ],
});

test.each([['fcalls'], ['vmept']] as const)('%s: no block is corrupted or misaligned', async (mech) => {
  const r = runNative(await buildDeployment(spec(mech)));
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(/^heap: 20000 operations, \d+ bytes allocated, 0 corrupt, 0 misaligned\n$/);
  expect(r.status).toBe(0);
}, 300_000);
