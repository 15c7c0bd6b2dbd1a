/** A two-library tree written to a temp directory (deleted after the test file: test/support/cleanup.ts), checked in memory; markers give expected positions. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeTree } from '../../src/analyze/analyze-tree.js';
import { checkAnalysis } from '../../src/analyze/checks/check-tree.js';
import type { Finding } from '../../src/analyze/checks/model.js';
import { loadMacroTable } from '../../src/parse/macro-table.js';
import type { Deployment } from '../../src/transform/deployment.js';
import { writeTempTree } from '../support/temp-tree.js';

export const macros = loadMacroTable();

/** Library b: the callee side, exported API, private and shared globals, a header inline. */
export const LIB_B: Record<string, string> = {
  'b/Makefile.uk': '$(eval $(call addlib,libb))\nLIBB_SRCS-y += $(LIBB_BASE)/b.c\n',
  'b/exportsyms.uk': 'b_put\nb_get\nb_void\nb_struct\nb_real\nb_many\nb_register\nb_log\nb_state\nb_shared\nb_add\n',
  'b/include/b/b.h': [
    'struct pair { long x, y; };',
    'extern int b_state;',
    'int b_put(char *buf, int n);',
    'int b_get(int *out);',
    'void b_void(int x);',
    'int b_struct(struct pair p);',
    'double b_real(double d);',
    'int b_many(int a, int b, int c, int d, int e, int f, int g);',
    'int b_hidden(void);',
    'void b_register(void (*cb)(int));',
    'void b_log(const char *s);',
    'int b_add(int x, int y);',
    'static inline int b_peek(void) { return b_state; }',
    '',
  ].join('\n'),
  'b/b.c': [
    '#include <flexos/isolation.h>',
    '#include <b/b.h>',
    'int b_state;',
    'int b_shared __attribute__((flexos_whitelist));',
    'int b_put(char *buf, int n) { return buf[0] + n; }',
    'int b_get(int *out) { *out = b_state; return 0; }',
    'void b_void(int x) { b_state = x; }',
    'int b_struct(struct pair p) { return (int)p.x; }',
    'double b_real(double d) { return d; }',
    'int b_many(int a, int b, int c, int d, int e, int f, int g) { return a + b + c + d + e + f + g; }',
    'int b_hidden(void) { return 1; }',
    'void b_register(void (*cb)(int)) { cb(1); }',
    'void b_log(const char *s) { (void)s; b_state++; }',
    'int b_add(int x, int y) { return x + y; }',
    '',
  ].join('\n'),
  'a/Makefile.uk': '$(eval $(call addlib,liba))\nLIBA_SRCS-y += $(LIBA_BASE)/a.c\n',
};

/** Source with `/*@*\/` markers → the text without them and each marker's 1-based line:column. */
export function marked(source: string): { text: string; at: string[] } {
  const at: string[] = [];
  let text = '';
  const parts = source.split('/*@*/');
  parts.forEach((p, i) => {
    text += p;
    if (i < parts.length - 1) {
      const lines = text.split('\n');
      at.push(`${lines.length}:${lines[lines.length - 1]!.length + 1}`);
    }
  });
  return { text, at };
}

export function checkFiles(files: Record<string, string>, deployment: Deployment | null = null): Finding[] {
  const root = writeTempTree(files);
  const analysis = analyzeTree(root, { macros });
  return checkAnalysis(analysis, { deployment, text: (f) => readFileSync(join(root, f), 'latin1') }).findings;
}

/** Findings of one code in one file, as `line:col`. */
export function positions(findings: Finding[], code: string, file = 'a/a.c'): string[] {
  return findings.filter((f) => f.code === code && f.file === file).map((f) => `${f.line}:${f.column}`);
}
