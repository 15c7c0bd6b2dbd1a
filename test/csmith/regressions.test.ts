/**
 * Regression fixtures of the csmith lane (issue 13): small programs in csmith's shape (one file,
 * `checksum = %X`), each reproducing one way a compartmentalizing rewrite changed or broke what
 * a program computes. Each is split with the placement its first comment names, ported,
 * rewritten for fcalls, vmept and intel-pku (QEMU, one boot for all), built with -Wall -Werror
 * and run: the checksum must be the original's. Checks of the generated code pin the fix.
 * Minimised csmith failures (cvise) land in fixtures/ too and run the same way.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csmithAvailability, differentialSeed, runGuestJobs, type Mechanism, type MechanismOutcome, type SeedOutcome } from '../../src/harness/csmith/differential.js';
import type { GuestJob } from '../../src/harness/qemu.js';
import { qemuAvailability } from '../../src/harness/qemu.js';

const FIXTURES = 'test/csmith/fixtures';
const csmith = csmithAvailability();
const qemu = qemuAvailability();
// csmith itself is not needed, but its runtime header is for reduced csmith programs
const describeIf = csmith.ok ? describe : describe.skip;
const SKIP = csmith.ok ? '' : ` (skipped: ${csmith.reason})`;
const MECHANISMS: Mechanism[] = qemu.ok ? ['fcalls', 'vmept', 'intel-pku'] : ['fcalls', 'vmept'];

interface Fixture {
  name: string;
  program: string;
  libraries: number;
  placement: Map<string, number>;
  seed: number;
}

function fixture(file: string): Fixture {
  const program = readFileSync(join(FIXTURES, file), 'latin1');
  const header = /^\/\* split: ([^*]*)\*\//.exec(program);
  if (!header) throw new Error(`${FIXTURES}/${file}: the first line must be /* split: libraries=N name=index ... */`);
  const placement = new Map<string, number>();
  let libraries = 2;
  let seed = 1;
  for (const word of header[1]!.trim().split(/\s+/)) {
    const m = /^(\w+)=(\d+)$/.exec(word);
    if (!m) continue;
    if (m[1] === 'libraries') libraries = Number(m[2]);
    else if (m[1] === 'seed') seed = Number(m[2]);
    else placement.set(m[1]!, Number(m[2]));
  }
  return { name: file.replace(/\.c$/, ''), program, libraries, placement, seed };
}

const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.c')).sort().map(fixture);

describeIf(`csmith-lane regressions: split, port, rewrite, run, same checksum${SKIP}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'flexos-csmith-reg-'));
  const outcomes = new Map<string, SeedOutcome>();
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  beforeAll(async () => {
    const pending: { job: GuestJob; outcome: MechanismOutcome; expected: string }[] = [];
    for (const f of fixtures) {
      const r = await differentialSeed({ seed: f.seed, program: f.program, libraries: f.libraries, placement: f.placement, mechanisms: MECHANISMS, workDir: join(work, f.name), keep: true });
      outcomes.set(f.name, r.outcome);
      for (const g of r.guestJobs) pending.push({ ...g, expected: r.outcome.expected! });
    }
    await runGuestJobs(pending);
  }, 20 * 60_000);

  test.each(fixtures.map((f) => f.name))(`%s: same checksum under ${MECHANISMS.join(', ')}${qemu.ok ? '' : ` (intel-pku skipped: ${qemu.ok ? '' : qemu.reason})`}`, (name) => {
    const o = outcomes.get(name)!;
    expect(o.status).toBe('ok');
    expect(o.expected).toMatch(/^[0-9A-F]+$/);
    expect(o.mechanisms.map((m) => `${m.mechanism}: ${m.result} ${m.detail}`)).toEqual(MECHANISMS.map((m) => `${m}: pass `));
  });

  const read = (name: string, path: string): string => readFileSync(join(outcomes.get(name)!.workDir, path), 'latin1');

  test('const-pointer: the const pointer and the const object go to .data_shared.ro, const volatile to .data_shared, the pointee is shared', () => {
    const ported = read('const-pointer', 'ported/cs0/cs0.c');
    for (const g of ['g_x', 'g_c', 'g_cv', 'g_cp', 'g_pp']) expect(ported).toMatch(new RegExp(`__attribute__\\(\\(flexos_whitelist\\)\\)[^;\\n]*\\b${g}\\b`));
    const out = read('const-pointer', 'out-vmept/cs0/cs0.c');
    expect(out).toMatch(/section\("\.data_shared\.ro"\)\)\) int32_t \* const g_cp/);
    expect(out).toMatch(/section\("\.data_shared\.ro"\)\)\) int32_t g_c = 4/);
    expect(out).toMatch(/section\("\.data_shared"\)\)\) int32_t g_cv = 3/);
  });

  test('local-through-pointer: the locals reached through p, q and pp are whitelisted, the pointers themselves are not', () => {
    const ported = read('local-through-pointer', 'ported/cs0/cs0.c');
    expect(ported).toMatch(/__attribute__\(\(flexos_whitelist\)\) int32_t l = 7;/);
    expect(ported).toMatch(/__attribute__\(\(flexos_whitelist\)\) int32_t m = 9;/);
    expect(ported).toMatch(/__attribute__\(\(flexos_whitelist\)\) int32_t \*p2 = &m;/);
    expect(ported).toMatch(/\n\tint32_t \*p = &l;/);
  });

  test('bitfield-argument and narrow-result: gated, not left to a human', () => {
    for (const name of ['bitfield-argument', 'narrow-result']) {
      expect(outcomes.get(name)!.manual).toEqual({});
      expect(outcomes.get(name)!.gates).toBeGreaterThanOrEqual(2);
    }
    expect(read('narrow-result', 'ported/cs0/cs0.c')).toContain('flexos_gate_r(libcs1, x, neg);');
  });

  test('struct-by-value: every call is gated and the isolating rewrite marshals through a stub', () => {
    const o = outcomes.get('struct-by-value')!;
    expect(o.manual).toEqual({});
    const out = read('struct-by-value', 'out-vmept/cs0/cs0.c');
    expect(out).toContain('static void mk__flexos_byval(struct P *q, int32_t k, union U *u, struct P *flexos_res)');
    expect(out).toMatch(/FLEXOS_BYVAL_R\(flexos_vmept_gate, 0, 1, r, flexos_res\d+, mk__flexos_byval, FLEXOS_BYVAL_ARG\(flexos_byval\d+, g_p\), 3, FLEXOS_BYVAL_ARG\(flexos_byval\d+, u\)\)/);
    // fcalls: a plain call, no marshalling
    expect(read('struct-by-value', 'out-fcalls/cs0/cs0.c')).not.toContain('flexos_byval');
  });

  test('const-local: the shared const locals are freed through (void *) under the heap strategy', () => {
    const out = read('const-local', 'out-vmept/cs0/cs0.c');
    expect(out).toContain('const int32_t (*one) = flexos_heap_local(');
    expect(out).toContain('flexos_shared_free((void *)one);');
    expect(out).toContain('flexos_shared_free((void *)many);');
  });
});
