/**
 * The gate macros accept what the rewriter emits and reject what the ABI cannot carry:
 * every integer/pointer argument and result class (char … int64_t, enums, _Bool, NULL, arrays,
 * function pointers; results into members, array elements and through pointers) compiles with
 * gcc -O2 -Wall -Werror for every mechanism and stack strategy and gives the fcalls results;
 * seven arguments, a double or a struct argument fail to compile with a message that says why;
 * and a nop gate compiles to exactly the code of the direct call.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, buildDeployment, compileSnippet, runNative, type DeploymentSpec, type Sharing } from './deploy.js';

const EXPECTED = readFileSync(join(FIXTURES, 'gates', 'expected.txt'), 'utf8');

const two = (tag: string, mech: 'fcalls' | 'vmept' | 'intel-pku', sharing: Sharing): DeploymentSpec => ({
  tag: `gates-${tag}`,
  fixture: 'gates',
  sharing,
  compartments: [
    { name: 'comp1', mechanism: mech, libs: ['libA'] },
    { name: 'comp2', mechanism: mech, libs: ['libB'] },
  ],
});
const variants = [
  two('fcalls', 'fcalls', 'shared-stack'),
  two('vmept-dss', 'vmept', 'dss'),
  two('vmept-heap', 'vmept', 'heap'),
  two('vmept-sharedstack', 'vmept', 'shared-stack'),
  two('pku-dss', 'intel-pku', 'dss'),
  two('pku-sharedstack', 'intel-pku', 'shared-stack'),
];
const apps = new Map<string, string>();

beforeAll(async () => {
  for (const v of variants) apps.set(v.tag, await buildDeployment(v));
}, 600_000);

describe('every argument and result class crosses a gate', () => {
  test.each(variants.map((v) => [v.tag]))('%s builds with -Wall -Werror and prints the fcalls results', (tag) => {
    const r = runNative(apps.get(tag)!);
    if (tag.startsWith('gates-pku') && r.status === 77) return; // no PKU here: built is what we can check
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(EXPECTED);
  });
});

const PROTOS = 'long f7(long, long, long, long, long, long, long); int fd(double); struct s { long a, b; }; int fs(struct s); int f1(int);\n';
const bad: [string, string, RegExp][] = [
  ['seven arguments', 'int r; flexos_vmept_gate_r(0, 1, r, f7, 1, 2, 3, 4, 5, 6, 7); return r;', /flexos_error_a_gate_takes_at_most_6_arguments/],
  ['a double argument', 'int r; flexos_vmept_gate_r(0, 1, r, fd, 1.5); return r;', /arguments must be integer or pointer class/],
  ['a struct argument', 'struct s v = {1, 2}; int r; flexos_intelpku_gate_r(0, 1, r, fs, v); return r;', /arguments must be integer or pointer class|aggregate value used where an integer was expected/],
  ['a wrong argument type (as a direct call would)', 'int r; flexos_vmept_gate_r(0, 1, r, f1, "text"); return r;', /makes integer from pointer|int-conversion/],
];

describe('what a gate cannot carry fails to compile', () => {
  test.each(bad)('%s', async (_name, body, message) => {
    const r = await compileSnippet('gates-bad', `#include <flexos/isolation.h>\n${PROTOS}int g(void) { ${body} }\n`, 'dss');
    expect(r.ok).toBe(false);
    expect(r.stderr).toMatch(message);
  });
});

describe('a nop gate is the direct call', () => {
  test('flexos_nop_gate_r(0, 0, x, f, a) compiles to the same code as x = f(a)', async () => {
    const body = (call: string) =>
      `#include <flexos/isolation.h>\nint f(int);\nvoid v(const char *);\nint g(int a) { int x; ${call}; return x + 1; }\n` +
      `void h(void) { ${call.startsWith('flexos') ? 'flexos_nop_gate(0, 0, v, "s")' : 'v("s")'}; }\n`;
    const asm = async (tag: string, call: string) => {
      const r = await compileSnippet(tag, body(call), 'shared-stack', ['-O2', '-Wall', '-Werror', '-S', '-o', 'snippet.s']);
      expect(r.stderr).toBe('');
      return readFileSync(join(r.dir, 'snippet.s'), 'utf8').replace(/^\s*\.file.*$/m, '');
    };
    expect(await asm('gates-nop', 'flexos_nop_gate_r(0, 0, x, f, a)')).toBe(await asm('gates-direct', 'x = f(a)'));
  });
});
