/**
 * The gate micro-benchmark (rules/common/bench) builds with its build.sh and measures, in one
 * run, a direct call, a nop gate, a vmept gate, a getppid() system call, heap conversion of
 * 1/2/3 buffers and the DSS alias — a vmept round trip really is an RPC (far dearer than a call) —
 * and the vmept gate paired with a pure-spin floor in alternating bursts.
 * The intel-pku figures come from the QEMU lane (intelpku.test.ts).
 */
import { buildGatebench, parseGatebench, runNative } from './deploy.js';

test('gatebench measures every native gate in one run', () => {
  const bin = buildGatebench('gatebench-dss', ['dss']);
  const r = runNative(bin, ['0.05']);
  console.log(r.stdout);
  expect(r.status).toBe(0);
  const rows = parseGatebench(r.stdout);
  for (const name of ['direct-call', 'nop-gate', 'vmept-gate', 'getppid-syscall', 'heap-conversion-1', 'heap-conversion-2', 'heap-conversion-3', 'dss-alias-3'])
    expect(rows.has(name)).toBe(true);
  expect(rows.has('intelpku-gate')).toBe(false);
  expect(rows.get('vmept-gate')!.ns).toBeGreaterThan(rows.get('direct-call')!.ns * 10);
  // the gate and its floor in alternating bursts: both figures, and the median of the pairs' ratios
  expect(rows.has('vmept-paired')).toBe(true);
  expect(rows.get('spin-floor-paired')!.ns).toBeGreaterThan(rows.get('direct-call')!.ns * 10);
  expect(Number(/^vmept-paired-ratio\s+([\d.]+) ratio$/m.exec(r.stdout)?.[1])).toBeGreaterThan(0);
}, 120_000);

test('gatebench vmept-paired runs that measurement alone (its gates counted: exit 0)', () => {
  const bin = buildGatebench('gatebench-dss', ['dss']);
  const r = runNative(bin, ['0.05', 'vmept-paired']);
  expect(r.status).toBe(0);
  expect([...parseGatebench(r.stdout).keys()]).toEqual(['vmept-paired', 'spin-floor-paired']);
}, 120_000);
