import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rewriteAndBuild, runNative, checksumOf } from '../../src/harness/e2e.js';
import { rewriteInMemory } from './support.js';
import { newTempDir } from '../support/temp-tree.js';

const TINY = 'test/rewrite/fixtures/tiny';
// a_heap(-5) = -1, a_heap(1) = 2 + 11 = 13, a_heap(7) = 8 + 17 = 25, b_call(a_cb, 4) = (4 + 3) * 2 = 14
const EXPECTED = '0x0000000000000033';

describe('rewrite of a two-library tree', () => {
  test.each(['fcalls', 'heap-vmept', 'dss-vmept'])('%s: builds with -Wall -Werror and computes the hand-checked result', async (config) => {
    const out = newTempDir(`flexos-tiny-${config}-`);
    const built = await rewriteAndBuild(TINY, join(TINY, `${config}.yaml`), out);
    const run = runNative(built.binary);
    expect(run.exitCode).toBe(0);
    expect(checksumOf(run.stdout)).toBe(EXPECTED);
  });

  test('gates carry numeric compartment ids and the stronger mechanism', () => {
    const a = rewriteInMemory(TINY, join(TINY, 'heap-vmept.yaml')).sources.get('liba/a.c')!;
    expect(a).toContain('flexos_vmept_gate_r(0, 1, r, b_add, (*v), 1);');
    expect(a).toContain('flexos_vmept_gate_r(0, 1, c, b_call, a_cb, 4);');
    const f = rewriteInMemory(TINY, join(TINY, 'fcalls.yaml')).sources.get('liba/a.c')!;
    expect(f).toContain('flexos_nop_gate_r(0, 0, r, b_add, v, 1);');
  });

  test('heap strategy frees on the early return, the break and the block ends', () => {
    const a = rewriteInMemory(TINY, join(TINY, 'heap-vmept.yaml')).sources.get('liba/a.c')!;
    expect(a).toContain('int (*v) = flexos_heap_local(sizeof(*v), &(__typeof__(*v)){n});');
    expect(a).toContain('{ int __flexos_ret = -1; flexos_shared_free(v); return __flexos_ret; }');
    expect(a).toContain('{ flexos_shared_free(w); break; }');
    expect(a).toContain('\t\tflexos_shared_free(w);\n\t}');
    expect(a).toContain('{ int __flexos_ret = r + (*v); flexos_shared_free(v); return __flexos_ret; }');
    // the variable is freed exactly once on each path: 1 early return + 1 final return + block end
    expect(a.match(/flexos_shared_free\(v\)/g)).toHaveLength(3);
  });

  test('dss strategy keeps a private slot and uses its shadow', () => {
    const a = rewriteInMemory(TINY, join(TINY, 'dss-vmept.yaml')).sources.get('liba/a.c')!;
    expect(a).toContain('int __flexos_slot_v; int (*v) = flexos_dss_local(&__flexos_slot_v, sizeof(*v), &(__typeof__(*v)){n});');
    expect(a).not.toContain('flexos_shared_free');
    // the shadow slot is zeroed on every exit path, so nothing stays readable (issue 11)
    expect(a).toContain('{ int __flexos_ret = -1; __builtin_memset(v, 0, sizeof(*v)); return __flexos_ret; }');
    expect(a).toContain('{ int __flexos_ret = r + (*v); __builtin_memset(v, 0, sizeof(*v)); return __flexos_ret; }');
  });

  test('whitelisted global goes to .data_shared, written before the type', () => {
    const a = rewriteInMemory(TINY, join(TINY, 'heap-vmept.yaml')).sources.get('liba/a.c')!;
    expect(a).toContain('__attribute__((section(".data_shared"))) static int a_counter = 3;');
    expect(a).not.toContain('flexos_whitelist');
  });

  test('callback becomes a .text_shared wrapper gating from the caller library into its own compartment', () => {
    const a = rewriteInMemory(TINY, join(TINY, 'heap-vmept.yaml')).sources.get('liba/a.c')!;
    expect(a).toContain('static int a_cb__flexos_impl(int x)');
    expect(a).toContain('__attribute__((section(".text_shared"))) static int a_cb(int x)');
    expect(a).toContain('flexos_vmept_gate_r(1, 0, __flexos_ret, a_cb__flexos_impl, x);');
  });

  test('untouched bytes survive: the unannotated library is copied byte for byte', () => {
    const r = rewriteInMemory(TINY, join(TINY, 'heap-vmept.yaml'));
    expect(r.sources.get('libb/b.c')).toBe(readFileSync(join(TINY, 'libb/b.c'), 'latin1'));
    expect(r.changed).toEqual(['liba/a.c']);
  });
});

const NAMES = 'test/rewrite/fixtures/names';
describe('generated names never clash with user identifiers (issue 11)', () => {
  // a_local(1) = 111, a_local(-5) = 105, b_call(a_cb, 4) = 10
  test.each(['fcalls', 'heap-vmept', 'dss-vmept'])('%s: a whitelisted local named `local` and a user `flexos_ret` build and compute the result', async (config) => {
    const out = newTempDir(`flexos-names-${config}-`);
    const built = await rewriteAndBuild(NAMES, join(NAMES, `${config}.yaml`), out);
    const run = runNative(built.binary);
    expect(run.exitCode).toBe(0);
    expect(checksumOf(run.stdout)).toBe('0x00000000000000e2');
  });
});
