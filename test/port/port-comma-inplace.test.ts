/**
 * Issue 13 item 5 in `port`: a comma expression that is a whole statement is split into
 * statements so each call is gated in its usual form; with --in-place-gates a call whose move
 * would change evaluation order is gated where it stands, inside a statement expression, and
 * without it stays a manual site (SPEC §6).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeTree } from '../../src/analyze/analyze-tree.js';
import { loadMacroTable } from '../../src/parse/macro-table.js';
import { portTree } from '../../src/transform/port/port-tree.js';

// b's functions touch b's state, so each call needs a gate
const B = 'int b_state;\nint b_get(int x) { return x + b_state; }\nvoid b_put(int x) { b_state = x; }\n';
const A = `int b_get(int x);
void b_put(int x);
int a_run(int x)
{
	int y = 0, z = 0;
	y = b_get(x), z = b_get(y), b_put(z);
	if (x)
		x++, b_put(x);
	(void)b_get(x), y++;
	z = (y++, b_get(z));
	if (x > 3 && b_get(x) > 2)
		z++;
	while (b_get(z) < 10)
		z++;
	return y + z;
}
`;

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'flexos-comma-'));
  for (const [lib, text] of [['a', A], ['b', B]] as const) {
    mkdirSync(join(root, lib));
    writeFileSync(join(root, lib, 'Makefile.uk'), `$(eval $(call addlib,lib${lib}))\n`);
    writeFileSync(join(root, lib, `${lib}.c`), text);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function port(inPlaceGates: boolean): { text: string; manual: string[] } {
  const r = portTree(analyzeTree(root, { macros: loadMacroTable(), keepParsed: true }), { inPlaceGates });
  return { text: r.files.find((f) => f.path === 'a/a.c')!.after, manual: r.manual.map((m) => `${m.line}:${m.reason}`) };
}

test('statement-level comma expressions become statements, braced outside a block', () => {
  const { text, manual } = port(false);
  expect(text).toContain('\tflexos_gate_r(libb, y, b_get, x); flexos_gate_r(libb, z, b_get, y); flexos_gate(libb, b_put, z);\n');
  expect(text).toContain('\tif (x)\n\t\t{ x++; flexos_gate(libb, b_put, x); }\n');
  expect(text).toContain('\tflexos_gate(libb, b_get, x); y++;\n');
  // a comma inside an expression, a conditional operand and a loop condition stay for a human
  expect(manual).toEqual(['10:comma', '11:conditional', '13:loop-condition']);
  expect(text).toContain('\tz = (y++, b_get(z));\n');
});

test('--in-place-gates: the calls that could not move are gated where they stand', () => {
  const { text, manual } = port(true);
  expect(manual).toEqual([]);
  expect(text).toContain('\tz = (y++, ({ int flexos_tmp1; flexos_gate_r(libb, flexos_tmp1, b_get, z); flexos_tmp1; }));\n');
  expect(text).toContain('\tif (x > 3 && ({ int flexos_tmp2; flexos_gate_r(libb, flexos_tmp2, b_get, x); flexos_tmp2; }) > 2)\n');
  expect(text).toContain('\twhile (({ int flexos_tmp3; flexos_gate_r(libb, flexos_tmp3, b_get, z); flexos_tmp3; }) < 10)\n');
});

test('both outputs compile with -Wall -Werror against the placeholder header', () => {
  for (const inPlace of [false, true]) {
    const file = join(root, `ported-${inPlace}.c`);
    writeFileSync(file, port(inPlace).text);
    const r = spawnSync('gcc', ['-std=gnu11', '-Wall', '-Werror', '-fsyntax-only', '-Irules/fcalls/placeholders', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }
});
