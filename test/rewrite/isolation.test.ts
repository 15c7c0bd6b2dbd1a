/**
 * Isolation through the whole toolchain: the annotated probe tree (test/rewrite/fixtures/probe)
 * is rewritten by flexos for each mechanism, built and run. libb (compartment 1) reads or writes
 * liba's private global, a block of liba's private heap arena and a local on liba's stack: each
 * access faults under vmept (SEGV_MAPERR: the page is not mapped in libb's process) and intel-pku
 * (SEGV_PKUERR), while the shared global, shared-heap block and whitelisted local work. Under
 * fcalls every access works, so the probes can tell.
 */
import { join } from 'node:path';
import { rewriteAndBuild, runNative, cpuHasPku } from '../../src/harness/e2e.js';
import { qemuAvailability, runInGuest } from '../../src/harness/qemu.js';
import { newTempDir } from '../support/temp-tree.js';

const TREE = 'test/rewrite/fixtures/probe';
const PRIVATE = ['global', 'heap', 'stack'];
const SHARED: Record<string, number> = { 'shared-global': 43, 'shared-heap': 47, 'shared-stack': 46 };
const PRIVATE_VALUES: Record<string, number> = { global: 41, heap: 44, stack: 45 };
const MODES = ['read', 'write'];
const probes = [...PRIVATE, ...Object.keys(SHARED)].flatMap((t) => MODES.map((m) => [t, m] as const));

function expected(target: string, mode: string, faultCode: number | null): string {
  const head = `probe ${target} ${mode}\n`;
  if (faultCode !== null && PRIVATE.includes(target)) return `${head}fault si_code=${faultCode}\n`;
  const value = mode === 'write' ? 100 : (SHARED[target] ?? PRIVATE_VALUES[target]);
  return `${head}value ${value}\n`;
}

describe('native mechanisms', () => {
  const configs = ['fcalls-dss', 'vmept-dss', 'vmept-heap'];
  const binaries = new Map<string, string>();
  beforeAll(async () => {
    for (const c of configs) binaries.set(c, (await rewriteAndBuild(TREE, join(TREE, `${c}.yaml`), newTempDir(`flexos-probe-${c}-`))).binary);
  }, 300_000);

  test.each(probes)('fcalls: %s %s succeeds (the probes have teeth)', (target, mode) => {
    const r = runNative(binaries.get('fcalls-dss')!, [target, mode]);
    expect(r.stdout).toBe(expected(target, mode, null));
    expect(r.exitCode).toBe(0);
  });

  test.each(['vmept-dss', 'vmept-heap'].flatMap((c) => probes.map(([t, m]) => [c, t, m] as const)))('%s: %s %s faults if private, works if shared', (config, target, mode) => {
    const r = runNative(binaries.get(config)!, [target, mode]);
    // a fault handler that _exit(0)s libb's process ends the program with 70 and says so
    const ended = PRIVATE.includes(target) ? 'flexos: compartment b (process 1) exited with status 0; ending the program with status 70\n' : '';
    expect(r.stdout).toBe(expected(target, mode, 1) + ended);
    expect(r.exitCode).toBe(ended ? 70 : 0);
  });
});

describe('intel-pku', () => {
  const qemu = qemuAvailability();
  const lane = cpuHasPku() || qemu.ok;
  if (!lane) console.warn(`intel-pku probes skipped: no PKU on this CPU and QEMU unavailable (${qemu.ok ? '' : qemu.reason})`);
  const configs = ['intel-pku-dss', 'intel-pku-heap'];
  const outputs = new Map<string, string>();

  beforeAll(async () => {
    if (!lane) return;
    const jobs = [];
    for (const c of configs) {
      const built = await rewriteAndBuild(TREE, join(TREE, `${c}.yaml`), newTempDir(`flexos-probe-${c}-`), { static: !cpuHasPku() });
      jobs.push(...probes.map(([t, m]) => ({ name: `${c} ${t} ${m}`, binary: built.binary, args: [t, m] })));
    }
    if (cpuHasPku()) for (const j of jobs) outputs.set(j.name, runNative(j.binary, j.args).stdout);
    else for (const r of await runInGuest(jobs)) outputs.set(r.name, r.stdout);
  }, 600_000);

  const t = lane ? test.each : test.skip.each;
  t(configs.flatMap((c) => probes.map(([p, m]) => [c, p, m] as const)))(`%s: %s %s faults with SEGV_PKUERR if private, works if shared${lane ? '' : ' [skipped: no PKU, no QEMU]'}`, (config, target, mode) => {
    expect(outputs.get(`${config} ${target} ${mode}`)).toBe(expected(target, mode, 4));
  });
});
