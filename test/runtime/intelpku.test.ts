/**
 * intel-pku under real protection keys, in the QEMU TCG lane (these CPUs have no PKU): static
 * builds of the "calls" fixture print exactly what fcalls prints (2 and 3 compartments, each
 * stack strategy, mixed with fcalls and with vmept), and the "probe" fixture shows that libB
 * touching libA's private global, heap arena or (with private stacks) stack gets SIGSEGV with
 * si_code SEGV_PKUERR (4) while shared memory stays reachable; the "gates" fixture carries
 * every argument/result class. All guest jobs of this file run in one boot — or natively, one
 * process each with stderr joined to stdout as in the guest, when this CPU has PKU. Natively,
 * without PKU, an intel-pku program says so and exits 77.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuHasPku } from '../../src/harness/e2e.js';
import { qemuAvailability, runInGuestDetailed, type GuestResult } from '../../src/harness/qemu.js';
import { FIXTURES, buildDeployment, buildGatebench, parseGatebench, runNative, type DeploymentSpec, type Sharing } from './deploy.js';

type Mech = 'fcalls' | 'intel-pku' | 'vmept';
const calls = (tag: string, sharing: Sharing, mechs: [Mech, Mech] | [Mech, Mech, Mech]): DeploymentSpec => ({
  tag: `pku-${tag}`,
  fixture: 'calls',
  sharing,
  static: true,
  compartments:
    mechs.length === 2
      ? [
          { name: 'comp1', mechanism: mechs[0], libs: ['libA'] },
          { name: 'comp2', mechanism: mechs[1], libs: ['libB', 'libC'] },
        ]
      : [
          { name: 'comp1', mechanism: mechs[0], libs: ['libA'] },
          { name: 'comp2', mechanism: mechs[1], libs: ['libB'] },
          { name: 'comp3', mechanism: mechs[2], libs: ['libC'] },
        ],
});
/** libA and libB in two intel-pku compartments: the probe and gates fixtures. */
const pkuPair = (fixture: 'probe' | 'gates', sharing: Sharing): DeploymentSpec => ({
  tag: `pku-${fixture}-${sharing}`,
  fixture,
  sharing,
  static: true,
  compartments: [
    { name: 'comp1', mechanism: 'intel-pku', libs: ['libA'] },
    { name: 'comp2', mechanism: 'intel-pku', libs: ['libB'] },
  ],
});

const CALLS = [
  calls('calls2-dss', 'dss', ['intel-pku', 'intel-pku']),
  calls('calls3-sharedstack', 'shared-stack', ['intel-pku', 'intel-pku', 'intel-pku']),
  calls('calls3-heap', 'heap', ['intel-pku', 'intel-pku', 'intel-pku']),
  calls('calls3-fcalls-mixed', 'dss', ['fcalls', 'intel-pku', 'fcalls']),
  calls('calls3-vmept-mixed', 'dss', ['intel-pku', 'vmept', 'intel-pku']),
];
const PROBES = [pkuPair('probe', 'dss'), pkuPair('probe', 'shared-stack')];
const GATES = [pkuPair('gates', 'dss'), pkuPair('gates', 'shared-stack'), pkuPair('gates', 'heap')];
const BENCH: Sharing[] = ['shared-stack', 'dss'];
const TARGETS = ['global', 'heap', 'stack', 'shared-global', 'shared-heap', 'shared-local'];
const VALUES: Record<string, number> = {
  global: 41, 'shared-global': 43, heap: 44, stack: 45, 'shared-local': 46, 'shared-heap': 47,
};

const native = cpuHasPku();
const avail = native ? { ok: true as const } : qemuAvailability();
const guest = new Map<string, GuestResult>();
let reference = '';
let guestInfo = '';
const apps = new Map<string, string>();

beforeAll(async () => {
  reference = runNative(
    await buildDeployment({
      tag: 'pku-reference-fcalls',
      fixture: 'calls',
      sharing: 'shared-stack',
      compartments: [
        { name: 'comp1', mechanism: 'fcalls', libs: ['libA'] },
        { name: 'comp2', mechanism: 'fcalls', libs: ['libB', 'libC'] },
      ],
    }),
  ).stdout;
  for (const v of [...CALLS, ...PROBES, ...GATES]) apps.set(v.tag, await buildDeployment(v));
  for (const sharing of BENCH) apps.set(`gatebench-${sharing}`, buildGatebench(`pku-gatebench-${sharing}`, [sharing, 'pku', 'static']));
  if (!avail.ok) {
    console.warn(`intel-pku guest tests skipped: QEMU lane unavailable: ${'reason' in avail ? avail.reason : ''}`);
    return;
  }
  const jobs: { name: string; binary: string; args: string[]; timeoutMs?: number }[] = [
    ...CALLS.flatMap((v) => [
      { name: `${v.tag} run`, binary: apps.get(v.tag)!, args: [] },
      { name: `${v.tag} exit`, binary: apps.get(v.tag)!, args: ['exit'] },
    ]),
    ...GATES.map((v) => ({ name: `${v.tag} run`, binary: apps.get(v.tag)!, args: [] })),
    ...BENCH.map((s) => ({ name: `gatebench-${s}`, binary: apps.get(`gatebench-${s}`)!, args: ['0.02'], timeoutMs: 120_000 })),
    ...PROBES.flatMap((v) =>
      TARGETS.flatMap((t) => ['read', 'write'].map((op) => ({ name: `${v.tag} ${t}-${op}`, binary: apps.get(v.tag)!, args: [`${t}-${op}`] }))),
    ),
  ];
  if (native) {
    // as in the guest: stdout and stderr in one pipe, interleaved as written
    for (const j of jobs) {
      const r = spawnSync('sh', ['-c', 'exec "$0" "$@" 2>&1', j.binary, ...j.args], { encoding: 'utf8', timeout: j.timeoutMs ?? 30_000 });
      guest.set(j.name, { name: j.name, exitCode: r.status, stdout: r.stdout, timedOut: r.error !== undefined });
    }
    guestInfo = `natively, pku flag: ${cpuHasPku()}`;
    return;
  }
  const run = await runInGuestDetailed(jobs, { jobTimeoutMs: 30_000 });
  guestInfo = `guest ${run.kernelRelease}, pku flag: ${run.cpuFlags.includes('pku')}, ${run.elapsedMs} ms for ${jobs.length} jobs`;
  for (const r of run.results) guest.set(r.name, r);
}, 900_000);

const inGuest = avail.ok ? test : test.skip;

describe('intel-pku without PKU (native)', () => {
  test('prints one line and exits 77, or runs when the CPU has PKU', () => {
    const r = runNative(apps.get('pku-calls2-dss')!);
    if (r.status === 77) {
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^flexos: intel-pku: this CPU or kernel has no memory protection keys \(pkey_alloc: .*\); exiting with status 77\n$/);
    } else {
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(reference);
    }
  });
});

describe(`intel-pku ${native ? 'natively (this CPU has PKU)' : 'in the QEMU lane'}`, () => {
  inGuest(`${native ? 'this' : 'the guest'} CPU has protection keys`, () => {
    expect(guestInfo).toContain('pku flag: true');
  });

  inGuest.each(CALLS.map((v) => [v.tag]))('%s prints exactly what fcalls prints', (tag) => {
    const r = guest.get(`${tag} run`)!;
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(reference);
  });

  inGuest.each(GATES.map((v) => [v.tag]))('%s carries every argument and result class', (tag) => {
    const r = guest.get(`${tag} run`)!;
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(FIXTURES, 'gates', 'expected.txt'), 'utf8'));
  });

  inGuest.each(BENCH.map((s) => [s]))(`gatebench with intel-pku (%s) runs ${native ? 'natively' : 'in the guest (TCG timings: not hardware figures)'}`, (sharing) => {
    const r = guest.get(`gatebench-${sharing}`)!;
    console.log(`${guestInfo}\n${r.stdout}`);
    expect(r.exitCode).toBe(0);
    expect(parseGatebench(r.stdout).has('intelpku-gate')).toBe(true);
  });

  inGuest.each(CALLS.map((v) => [v.tag]))('%s: exit(7) in libB ends the program with status 7', (tag) => {
    const r = guest.get(`${tag} exit`)!;
    expect(r.exitCode).toBe(7);
    // the guest merges stderr into stdout: a vmept compartment process exiting says so
    const said = tag.includes('vmept') ? 'flexos: compartment comp2 (process 1) exited with status 7\n' : '';
    expect(r.stdout.endsWith(`exiting from libB\n  b_exit(7)\n${said}`)).toBe(true);
  });

  const cases = PROBES.flatMap((v) =>
    TARGETS.flatMap((t) =>
      ['read', 'write'].map((op) => {
        // shared stacks: a local on libA's stack is reachable by design
        const faults = ['global', 'heap'].includes(t) || (t === 'stack' && !v.tag.endsWith('shared-stack'));
        return [v.tag, `${t}-${op}`, faults ? 'SIGSEGV/SEGV_PKUERR' : 'works'];
      }),
    ),
  );
  inGuest.each(cases)('%s: %s from compartment 1 → %s', (tag, p, outcome) => {
    const r = guest.get(`${tag} ${p}`)!;
    const target = p.replace(/-(read|write)$/, '');
    const expected =
      outcome !== 'works' ? 'fault si_code=4\n' : p.endsWith('-read') ? `read ${VALUES[target]}\n` : 'wrote, now 99\n';
    expect(r.stdout).toBe(`probe ${p}\n${expected}`);
    expect(r.exitCode).toBe(0);
  });
});
