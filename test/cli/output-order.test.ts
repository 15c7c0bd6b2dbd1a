/**
 * With stdout and stderr on one pipe (`2>&1 | …`), a report larger than the pipe's buffer is
 * written in pieces; the summary that follows it on stderr must come after the last piece.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTempTree } from '../support/temp-tree.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Two libraries, `liba` calling `libb`'s exported function `n` times without a gate. */
function treeWithUngatedCalls(n: number): string {
  const calls = Array.from({ length: n }, (_, i) => `\tb_work(${i});`).join('\n');
  return writeTempTree({
    'liba/Makefile.uk': '$(eval $(call addlib,liba))\n',
    'liba/a.c': `int b_work(int);\nvoid a_main(void)\n{\n${calls}\n}\n`,
    'libb/Makefile.uk': '$(eval $(call addlib,libb))\n',
    'libb/exportsyms.uk': 'b_work\n',
    'libb/b.c': 'int b_g;\nint b_work(int x) { b_g += x; return b_g; }\n',
  });
}

describe('stdout and stderr on one pipe', () => {
  test('the stderr summary of check follows its whole JSON report', () => {
    const root = treeWithUngatedCalls(3000);
    const r = spawnSync('bash', ['-c', `node "${join(REPO, 'bin', 'flexos.js')}" check "${root}" --format json 2>&1 | cat`], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.status).toBe(0);
    const summaryAt = r.stdout.lastIndexOf('\nflexos check: ');
    expect(summaryAt).toBeGreaterThan(64 * 1024);
    const report = JSON.parse(r.stdout.slice(0, summaryAt + 1)) as { findings: { code: string }[] };
    expect(report.findings.filter((f) => f.code === 'ungated-call')).toHaveLength(3000);
    expect(r.stdout.slice(summaryAt + 1)).toMatch(/^flexos check: 2 files, 3000 errors/);
  });
});
