/**
 * The gate micro-benchmark (rules/common/bench) builds with its build.sh and measures, in one
 * run, a direct call, a nop gate, a vmept gate, a getppid() system call, heap conversion of
 * 1/2/3 buffers and the DSS alias — a vmept round trip really is an RPC (far dearer than a call).
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
}, 120_000);
