/**
 * The runtimes run the same rewritten program with the same behaviour: every fcalls and vmept
 * deployment of the "calls" fixture (2 and 3 compartments, every stack-sharing strategy, a
 * mixed one, a static one, a non-zero default compartment) prints exactly what the plain
 * fcalls build prints — nested calls A→B→A→B, a callback, pointer/int/_Bool results, six
 * arguments — and a compartment process calling exit() ends the program with its status;
 * no compartment process outlives the program.
 */
import { buildDeployment, processesOf, runNative, type DeploymentSpec } from './deploy.js';

const two = (mech: 'fcalls' | 'vmept'): DeploymentSpec['compartments'] => [
  { name: 'comp1', mechanism: mech, libs: ['libA'] },
  { name: 'comp2', mechanism: mech, libs: ['libB', 'libC'] },
];
const three = (a: 'fcalls' | 'vmept', b: 'fcalls' | 'vmept', c: 'fcalls' | 'vmept'): DeploymentSpec['compartments'] => [
  { name: 'comp1', mechanism: a, libs: ['libA'] },
  { name: 'comp2', mechanism: b, libs: ['libB'] },
  { name: 'comp3', mechanism: c, libs: ['libC'] },
];

const variants: DeploymentSpec[] = [
  { tag: 'calls-fcalls2', fixture: 'calls', sharing: 'shared-stack', compartments: two('fcalls') },
  { tag: 'calls-fcalls3-dss', fixture: 'calls', sharing: 'dss', compartments: three('fcalls', 'fcalls', 'fcalls') },
  { tag: 'calls-vmept2-dss', fixture: 'calls', sharing: 'dss', compartments: two('vmept') },
  { tag: 'calls-vmept3-dss', fixture: 'calls', sharing: 'dss', compartments: three('vmept', 'vmept', 'vmept') },
  { tag: 'calls-vmept3-heap', fixture: 'calls', sharing: 'heap', compartments: three('vmept', 'vmept', 'vmept') },
  { tag: 'calls-vmept3-sharedstack', fixture: 'calls', sharing: 'shared-stack', compartments: three('vmept', 'vmept', 'vmept') },
  { tag: 'calls-mixed3-dss', fixture: 'calls', sharing: 'dss', compartments: three('fcalls', 'vmept', 'fcalls') },
  { tag: 'calls-vmept3-dss-static', fixture: 'calls', sharing: 'dss', compartments: three('vmept', 'vmept', 'vmept'), static: true },
  {
    tag: 'calls-vmept2-default1',
    fixture: 'calls',
    sharing: 'dss',
    defaultCompartment: 1,
    compartments: [
      { name: 'libs', mechanism: 'vmept', libs: ['libB', 'libC'] },
      { name: 'app', mechanism: 'vmept', libs: ['libA'] },
    ],
  },
];

const apps = new Map<string, string>();

beforeAll(async () => {
  for (const v of variants) apps.set(v.tag, await buildDeployment(v));
}, 600_000);

describe('the calls fixture', () => {
  test('the fcalls build prints the expected results', () => {
    const r = runNative(apps.get('calls-fcalls2')!);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('sum6 = 1099511627719, out = 3250\n');
    expect(r.stdout).toContain('negated out = -3250\n');
    expect(r.stdout).toContain('concat = flexos\n');
    expect(r.stdout).toContain('is_even(10) = 1\nis_even(-3) = 0\ncount = 3\n');
    expect(r.stdout).toContain('map sum = 55, arr = 1 4 9 16 25\n');
    expect(r.stdout).toContain('pingpong = 6\n');
    expect(r.stdout).toContain('products = 70\n');
    expect(r.stdout).toContain('shared_total = 123\n');
    expect(r.stdout).toContain('a_calls = 8\n');
  });

  test.each(variants.slice(1).map((v) => [v.tag]))('%s prints exactly what fcalls prints', (tag) => {
    const ref = runNative(apps.get('calls-fcalls2')!);
    const r = runNative(apps.get(tag)!);
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(ref.stdout);
  });

  test.each(variants.map((v) => [v.tag]))('%s: exit(7) in libB ends the program with status 7', (tag) => {
    const r = runNative(apps.get(tag)!, ['exit']);
    expect(r.status).toBe(7);
    expect(r.stdout.endsWith('a_calls = 8\nexiting from libB\n  b_exit(7)\n')).toBe(true);
    expect(r.stdout).not.toContain('not reached');
  });

  test.each(variants.map((v) => [v.tag]))('%s leaves no compartment process behind', (tag) => {
    runNative(apps.get(tag)!);
    runNative(apps.get(tag)!, ['exit']);
    expect(processesOf(apps.get(tag)!)).toEqual([]);
  });
});
