import { endToEnd, cpuHasPku, type E2EOutcome } from '../../src/harness/e2e.js';
import { qemuAvailability } from '../../src/harness/qemu.js';

// The corpus's own checksum (test/corpus checks it against both hand-written forms).
const CORPUS_CHECKSUM = '0xe7701a5e796fd948';
const NATIVE = ['fcalls-1', 'vmept-2', 'vmept-3'];
const PKU = ['pku-2', 'pku-3', 'mixed-pku-vmept'];
const configPath = (n: string): string => `corpus/configs/${n}.yaml`;

describe('the ported corpus, rewritten for each configuration, computes the vanilla checksum', () => {
  let outcomes: E2EOutcome[] = [];
  const qemu = qemuAvailability();
  const pkuLane = cpuHasPku() || qemu.ok;
  if (!pkuLane) console.warn(`intel-pku lane skipped: the CPU has no PKU and QEMU is unavailable (${qemu.ok ? '' : qemu.reason}); run scripts/setup-test-deps.sh`);

  beforeAll(async () => {
    // one call: every PKU deployment is batched into a single QEMU boot
    outcomes = await endToEnd('corpus/ported', [...NATIVE, ...(pkuLane ? PKU : [])].map(configPath), { baseline: 'corpus/vanilla' });
  }, 600_000);

  test.each(NATIVE)('%s runs natively with the vanilla checksum', (name) => {
    const o = outcomes.find((x) => x.config === configPath(name))!;
    expect(o.where).toBe('native');
    expect(o.expected).toBe(CORPUS_CHECKSUM);
    expect(o.checksum).toBe(CORPUS_CHECKSUM);
  });

  const pkuTest = pkuLane ? test.each(PKU) : test.skip.each(PKU);
  pkuTest(`%s runs ${cpuHasPku() ? 'natively' : 'in the QEMU TCG guest'} with the vanilla checksum${pkuLane ? '' : ' [skipped: no PKU and no QEMU]'}`, (name) => {
    const o = outcomes.find((x) => x.config === configPath(name))!;
    expect(o.where).toBe(cpuHasPku() ? 'native' : 'qemu');
    expect(o.checksum).toBe(CORPUS_CHECKSUM);
  });
});
