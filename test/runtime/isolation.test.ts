/**
 * Isolation is real under vmept and absent under fcalls: libB (compartment 1) reading or
 * writing libA's private global, a block of libA's private heap arena and a local on libA's
 * stack faults (SIGSEGV in libB's process, si_code SEGV_MAPERR: the pages are not mapped in libB's process); the same accesses to shared
 * memory (.data_shared, the shared heap, a whitelisted local per stack strategy) succeed and
 * are visible to libA. Under fcalls every access succeeds, so the probes can tell.
 * Each probe is its own process; the fixture's SIGSEGV handler prints "fault si_code=N".
 */
import { buildDeployment, processesOf, runNative, type DeploymentSpec, type Sharing } from './deploy.js';

const PRIVATE = ['global', 'heap', 'stack'];
const SHARED = ['shared-global', 'shared-heap', 'shared-local'];
const VALUES: Record<string, number> = {
  global: 41, 'shared-global': 43, heap: 44, stack: 45, 'shared-local': 46, 'shared-heap': 47,
};

const spec = (mech: 'fcalls' | 'vmept', sharing: Sharing): DeploymentSpec => ({
  tag: `probe-${mech}-${sharing}`,
  fixture: 'probe',
  sharing,
  compartments: [
    { name: 'comp1', mechanism: mech, libs: ['libA'] },
    { name: 'comp2', mechanism: mech, libs: ['libB'] },
  ],
});

const variants = [spec('fcalls', 'shared-stack'), spec('vmept', 'dss'), spec('vmept', 'heap')];
const apps = new Map<string, string>();

beforeAll(async () => {
  for (const v of variants) apps.set(v.tag, await buildDeployment(v));
}, 600_000);

const probes = (targets: string[]) => targets.flatMap((t) => [`${t}-read`, `${t}-write`]);

describe('vmept isolates private memory', () => {
  test.each(['dss', 'heap'].flatMap((s) => probes(PRIVATE).map((p) => [s, p])))(
    'vmept/%s: %s from compartment 1 faults',
    (sharing, probe) => {
      const r = runNative(apps.get(`probe-vmept-${sharing}`)!, [probe]);
      expect(r.stdout).toBe(`probe ${probe}\nfault si_code=1\n`);
      // the handler _exit(0)s the faulting compartment process: never a silent 0 (issue 11)
      expect(r.stderr).toBe('flexos: compartment comp2 (process 1) exited with status 0; ending the program with status 70\n');
      expect(r.status).toBe(70);
    },
  );

  test.each(['dss', 'heap'].flatMap((s) => probes(SHARED).map((p) => [s, p])))(
    'vmept/%s: %s from compartment 1 works',
    (sharing, probe) => {
      const r = runNative(apps.get(`probe-vmept-${sharing}`)!, [probe]);
      const target = probe.replace(/-(read|write)$/, '');
      const expected = probe.endsWith('-read') ? `read ${VALUES[target]}\n` : 'wrote, now 99\n';
      expect(r.stdout).toBe(`probe ${probe}\n${expected}`);
      expect(r.status).toBe(0);
    },
  );

  test('without the handler, a fault in compartment 1 kills the program with SIGSEGV', () => {
    // the handler exits 0 from the faulting process; a plain crash must surface as SIGSEGV too
    const r = runNative(apps.get('probe-vmept-dss')!, ['global-read'], { PROBE_NO_HANDLER: '1' });
    expect(r.stdout).toBe('probe global-read\n');
    expect(r.signal).toBe('SIGSEGV');
    expect(r.stderr).toMatch(/^flexos: compartment comp2 \(process 1\) died of signal 11\n$/);
    expect(processesOf(apps.get('probe-vmept-dss')!)).toEqual([]);
  });
});

describe('fcalls does not isolate', () => {
  test.each(probes([...PRIVATE, ...SHARED]).map((p) => [p]))('fcalls: %s from compartment 1 works', (probe) => {
    const r = runNative(apps.get('probe-fcalls-shared-stack')!, [probe]);
    const target = probe.replace(/-(read|write)$/, '');
    const expected = probe.endsWith('-read') ? `read ${VALUES[target]}\n` : 'wrote, now 99\n';
    expect(r.stdout).toBe(`probe ${probe}\n${expected}`);
    expect(r.status).toBe(0);
  });
});
