// A generated Unikraft-style tree for the language-server latency bench: 10 libraries, 50,000
// lines in all, one file of 5,000 lines (lib0/big.c) that the bench edits. Every library calls
// into the next through exported functions, some gated, some not, with locals whose address
// crosses, so the edited file has findings of several checks. Deterministic: same bytes each run.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LIBRARIES = 10;
export const TOTAL_LINES = 50_000;
export const BIG_LINES = 5_000;

/** One function of ~10 lines calling into library `next` (gated every other time). */
function fn(lib, i, next, gated) {
  const callee = `l${next}_api${i % 40}`;
  const call = gated ? `flexos_gate_r(libl${next}, r, ${callee}, &buf[0], n + ${i % 7})` : `r = ${callee}(&buf[0], n + ${i % 7})`;
  return [
    `int l${lib}_f${i}(int n)`,
    '{',
    '\tchar buf[16];',
    `\tint r = ${i % 13};`,
    '\tbuf[0] = (char)n;',
    `\t${call};`,
    `\tif (r > ${i % 17})`,
    `\t\tr -= l${lib}_helper(r);`,
    '\treturn r + buf[0];',
    '}',
    '',
  ];
}

function header(lib) {
  const lines = ['#include <flexos/isolation.h>', `#include <l${lib}/api.h>`, `#include <l${(lib + 1) % LIBRARIES}/api.h>`, '', `int l${lib}_helper(int x);`, ''];
  return lines;
}

function api(lib) {
  const out = [`/* exported API of libl${lib} */`];
  for (let k = 0; k < 40; k++) out.push(`int l${lib}_api${k}(char *p, int n);`);
  return out.join('\n') + '\n';
}

function source(lib, name, lines, gatedEvery, firstIndex) {
  const next = (lib + 1) % LIBRARIES;
  const out = header(lib);
  if (name === 'api.c') {
    out.push(`int l${lib}_helper(int x) { return x / 2; }`, '');
    for (let k = 0; k < 40; k++) out.push(`int l${lib}_api${k}(char *p, int n)`, '{', `\treturn p[0] + n * ${k + 1};`, '}', '');
  }
  let i = firstIndex;
  while (out.length + 11 <= lines) out.push(...fn(lib, i++, next, i % gatedEvery !== 0));
  while (out.length < lines) out.push('/* padding */');
  return out.join('\n') + '\n';
}

/** Writes the tree under dir (once) and returns the path of the big file, relative to dir. */
export function generateLspTree(dir) {
  const stamp = join(dir, '.flexos-generated');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === `${TOTAL_LINES}\n`) return 'l0/big.c';
  const perLibrary = TOTAL_LINES / LIBRARIES;
  for (let lib = 0; lib < LIBRARIES; lib++) {
    const d = join(dir, `l${lib}`);
    mkdirSync(join(d, 'include', `l${lib}`), { recursive: true });
    writeFileSync(join(d, 'Makefile.uk'), `$(eval $(call addlib,libl${lib}))\n`);
    writeFileSync(join(d, 'include', `l${lib}`, 'api.h'), api(lib));
    const apiText = source(lib, 'api.c', 0, 2, 0);
    writeFileSync(join(d, 'api.c'), apiText);
    // the header's lines count too
    const apiLines = apiText.split('\n').length - 1 + api(lib).split('\n').length - 1;
    if (lib === 0) {
      writeFileSync(join(d, 'big.c'), source(lib, 'big.c', BIG_LINES, 2, 0));
      writeFileSync(join(d, 'rest.c'), source(lib, 'rest.c', perLibrary - BIG_LINES - apiLines, 2, 1000));
    } else {
      writeFileSync(join(d, 'code.c'), source(lib, 'code.c', perLibrary - apiLines, 2, 0));
    }
  }
  writeFileSync(stamp, `${TOTAL_LINES}\n`);
  return 'l0/big.c';
}
