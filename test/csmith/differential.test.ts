/**
 * Differential testing on random programs nobody here wrote (issue 13): csmith generates a
 * program, the splitter spreads its functions and globals over 2–4 libraries (checked alone
 * first), `port` annotates the split tree, `rewrite` produces each deployment, and the built
 * program must print the original's checksum. Seeds with csmith's default options and with
 * restricted ones (small programs, no structs or no unions, no comma operators) under fcalls
 * and vmept; a few under intel-pku in one QEMU boot. A failing seed is minimised with cvise and
 * kept under test/csmith/fixtures (see the regression test next to this one).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csmithAvailability, differentialSeed, runGuestJobs, type Mechanism, type MechanismOutcome, type SeedOutcome } from '../../src/harness/csmith/differential.js';
import { qemuAvailability } from '../../src/harness/qemu.js';

const csmith = csmithAvailability();
const qemu = qemuAvailability();
const describeIf = csmith.ok ? describe : describe.skip;
const SKIP = csmith.ok ? '' : ` (skipped: ${csmith.reason})`;

const SMALL = ['--max-funcs', '4', '--max-block-depth', '2', '--max-expr-complexity', '4', '--max-block-size', '3'];
const SUITES: { name: string; options: string[]; seeds: number[]; mechanisms: Mechanism[] }[] = [
  { name: 'default options', options: [], seeds: range(1, 5), mechanisms: ['fcalls', 'vmept'] },
  { name: 'small programs', options: SMALL, seeds: range(100, 25), mechanisms: ['fcalls', 'vmept'] },
  { name: 'small, no structs or unions', options: [...SMALL, '--no-structs', '--no-unions'], seeds: range(200, 10), mechanisms: ['fcalls', 'vmept'] },
  { name: 'small, no comma operators, no bit-fields', options: [...SMALL, '--no-comma-operators', '--no-bitfields'], seeds: range(300, 10), mechanisms: ['fcalls', 'vmept'] },
  { name: 'intel-pku (QEMU, one boot)', options: SMALL, seeds: range(400, 6), mechanisms: ['intel-pku'] },
];

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

function describeFailure(o: SeedOutcome, m?: MechanismOutcome): string {
  return `seed ${o.seed} (${o.options.join(' ') || 'default options'})${m ? ` under ${m.mechanism}: ${m.result}` : `: ${o.status}`} — ${m ? m.detail : o.detail} [work dir ${o.workDir}]`;
}

describeIf(`csmith differential: split, port, rewrite, build, run, same checksum${SKIP}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'flexos-csmith-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  for (const suite of SUITES) {
    const needsGuest = suite.mechanisms.includes('intel-pku');
    const name = `${suite.name}: ${suite.seeds.length} seeds under ${suite.mechanisms.join(', ')}${needsGuest && !qemu.ok ? ` (skipped: ${qemu.reason})` : ''}`;
    (needsGuest && !qemu.ok ? test.skip : test)(
      name,
      async () => {
        const outcomes: SeedOutcome[] = [];
        const pending: { job: import('../../src/harness/qemu.js').GuestJob; outcome: MechanismOutcome; expected: string }[] = [];
        for (const seed of suite.seeds) {
          const r = await differentialSeed({ seed, csmithOptions: suite.options, mechanisms: suite.mechanisms, workDir: join(work, `${suite.options.length}-${seed}`) });
          outcomes.push(r.outcome);
          for (const g of r.guestJobs) pending.push({ ...g, expected: r.outcome.expected! });
        }
        await runGuestJobs(pending);
        const valid = outcomes.filter((o) => o.status !== 'invalid');
        // csmith programs that do not terminate within the timeout are not valid tests; most are
        expect(valid.length).toBeGreaterThanOrEqual(Math.ceil(suite.seeds.length * 0.7));
        const failures = [
          ...valid.filter((o) => o.status !== 'ok').map((o) => describeFailure(o)),
          ...valid.flatMap((o) => o.mechanisms.filter((m) => m.result !== 'pass').map((m) => describeFailure(o, m))),
        ];
        expect(failures).toEqual([]);
        // every valid seed ran under every mechanism of the suite
        for (const o of valid) expect(o.mechanisms.map((m) => m.mechanism)).toEqual(suite.mechanisms);
      },
      30 * 60_000,
    );
  }
});
