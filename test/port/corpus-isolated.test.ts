/**
 * Issue 4 (3b): the tool's port of the vanilla corpus, rewritten for the isolating
 * configurations, builds and prints the vanilla checksum (vmept natively, intel-pku in the QEMU
 * TCG guest, all PKU runs in one boot).
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { endToEnd, cpuHasPku, type E2EOutcome } from '../../src/harness/e2e.js';
import { qemuAvailability } from '../../src/harness/qemu.js';
import { main } from '../../src/cli/main.js';
import { newTempDir } from '../support/temp-tree.js';

const CHECKSUM = '0xe7701a5e796fd948';
const NATIVE = ['vmept-2', 'vmept-3'];
const PKU = ['pku-2', 'pku-3', 'mixed-pku-vmept'];
const path = (n: string): string => `corpus/configs/${n}.yaml`;

describe("flexos port's output of corpus/vanilla under isolating deployments", () => {
  const qemu = qemuAvailability();
  const lane = cpuHasPku() || qemu.ok;
  if (!lane) console.warn(`intel-pku lane skipped: no PKU on this CPU and QEMU unavailable (${qemu.ok ? '' : qemu.reason})`);
  let outcomes: E2EOutcome[] = [];

  beforeAll(async () => {
    const tree = join(newTempDir('flexos-port-iso-'), 'vanilla');
    cpSync('corpus/vanilla', tree, { recursive: true });
    const quiet = { stdout: () => undefined, stderr: () => undefined };
    expect(await main(['port', tree, '--write'], quiet)).toBe(1); // 1: there was a diff, and it was written
    expect(await main(['port', tree], quiet)).toBe(0); // nothing left to propose
    outcomes = await endToEnd(tree, [...NATIVE, ...(lane ? PKU : [])].map(path), { baseline: 'corpus/vanilla' });
  }, 600_000);

  test.each(NATIVE)('%s: same checksum as the vanilla build', (name) => {
    const o = outcomes.find((x) => x.config === path(name))!;
    expect([o.where, o.checksum]).toEqual(['native', CHECKSUM]);
  });

  (lane ? test.each(PKU) : test.skip.each(PKU))(`%s: same checksum${lane ? '' : ' [skipped: no PKU, no QEMU]'}`, (name) => {
    const o = outcomes.find((x) => x.config === path(name))!;
    expect([o.where, o.checksum]).toEqual([cpuHasPku() ? 'native' : 'qemu', CHECKSUM]);
  });
});
