/**
 * One case per bad-input class (issue 12): each states the exit code, the message (location and
 * what to do), and proves that nothing was written outside the output, no file was half written
 * and no temp file or journal is left.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../rewrite/support.js';
import { Progress } from '../../src/cli/progress.js';
import { commitChanges } from '../../src/emit/transaction.js';
import { fileDiff } from '../../src/emit/diff.js';
import { expectNoLeftovers, expectUnchangedOutside, makeWorld, REPO, snapshot, type World } from './world.js';

const A_C = 'liba/a.c';

function append(w: World, rel: string, text: string | Buffer): void {
  writeFileSync(join(w.tree, rel), Buffer.concat([readFileSync(join(w.tree, rel)), Buffer.from(text)]));
}

/** rewrite -o that must fail: exit 2, the message, nothing written anywhere, nothing left. */
async function expectRefused(w: World, args: string[], message: RegExp): Promise<string> {
  const before = snapshot(w.dir);
  const r = await runCli(['rewrite', w.tree, '-c', w.config, ...args]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expectUnchangedOutside(w.dir, before);
  expectNoLeftovers(w.dir);
  return r.stderr;
}

describe('bad C input', () => {
  test('truncated file: rewrite still works and warns with the unparsed region (file:line:col) instead of staying quiet', async () => {
    const w = makeWorld('truncated');
    const text = readFileSync(join(w.tree, A_C), 'latin1');
    writeFileSync(join(w.tree, A_C), text.slice(0, text.indexOf('int main')) + 'int main(void)\n{\n\tint total = 0;\n\ttotal +=');
    const before = snapshot(w.dir);
    const r = await runCli(['rewrite', w.tree, '-c', w.config, '-o', w.out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^liba\/a\.c:\d+:\d+: warning: tree-sitter (could not parse this region|had to assume a missing token).*simplify the code \[unparsed-region\]$/m);
    expectUnchangedOutside(w.dir, before, ['out']);
    expectNoLeftovers(w.dir);
  });

  test('binary file: error at the NUL byte, exit 2, nothing written', async () => {
    const w = makeWorld('binary');
    writeFileSync(join(w.tree, 'liba/blob.c'), Buffer.from('int x;\n\u0000\u0001\u0002', 'latin1'));
    await expectRefused(w, ['-o', w.out], /^liba\/blob\.c:2:1: error: binary file \(NUL byte\); flexos reads C source text only \[unreadable-file\]$/m);
  });

  test('unbalanced braces around a gate: tree-sitter recovers the call, flexos rewrites it and warns about the region', async () => {
    const w = makeWorld('braces');
    append(w, A_C, 'static void broken(int *p)\n{\n\tif (p) {\n\t\tflexos_gate(libb, b_touch, p);\n\n');
    const r = await runCli(['rewrite', w.tree, '-c', w.config, '-o', w.out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^liba\/a\.c:45:1: warning: tree-sitter could not parse this region.*\[unparsed-region\]$/m);
    expect(readFileSync(join(w.out, A_C), 'latin1')).toContain('flexos_nop_gate(0, 0, b_touch, p);');
  });

  test('unbalanced parenthesis: a gate flexos cannot read as a call is an error at its place, exit 2', async () => {
    const w = makeWorld('parens');
    append(w, A_C, 'void zz(int *p)\n{\n\tflexos_gate libb, b_touch, p);\n}\n');
    const stderr = await expectRefused(w, ['-o', w.out], /flexos: 1 error\(s\) in the annotated tree; nothing was written/);
    expect(stderr).toMatch(/^liba\/a\.c:47:2: error: flexos_gate here is not a call flexos read .*write it as a call statement in a function body \[gate-not-seen\]$/m);
  });

  test('unbalanced #if (no #endif): analyze reports the region and rewrite warns; no crash', async () => {
    const w = makeWorld('ifdef');
    append(w, A_C, '#if FLEXOS_NEVER\nstatic int q = 1;\n');
    const a = await runCli(['analyze', w.tree]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^liba\/a\.c:\d+:\d+: warning: tree-sitter had to assume a missing token.*\[unparsed-region\]$/m);
    const r = await runCli(['rewrite', w.tree, '-c', w.config, '-o', w.out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\[unparsed-region\]/);
    expectNoLeftovers(w.dir);
  });

  test('a gate in a #define body is an error naming file:line:col; the placeholder definitions themselves are not', async () => {
    const w = makeWorld('define');
    append(w, A_C, '#define flexos_gate_twice(l, f, x) flexos_gate(l, f, x)\n#define CALL_B(x) \\\n\tflexos_gate(libb, b_touch, x)\n/* flexos_gate(libb, b_touch, x) in a comment */\nstatic const char *s = "flexos_gate(";\n');
    const stderr = await expectRefused(w, ['-o', w.out], /nothing was written/);
    const errors = stderr.split('\n').filter((l) => l.includes('[gate-in-macro]'));
    expect(errors).toEqual([expect.stringMatching(/^liba\/a\.c:45:36: error: flexos_gate inside a #define body: .*use the gate at each call site/), expect.stringMatching(/^liba\/a\.c:47:2: error: flexos_gate inside a #define body/)]);
    expect(stderr).not.toMatch(/a\.c:4[89]:/);
  });

  test('66,000 nested blocks: the gate inside is not hidden and analyze does not claim "unparsed regions: 0"; exit 1', async () => {
    const w = makeWorld('deep');
    const n = 66_000;
    writeFileSync(join(w.tree, 'liba/deep.c'), `#include <b.h>\nvoid deep(int *p)\n{\n${'{'.repeat(n)}flexos_gate(libb, b_touch, p);${'}'.repeat(n)}\n}\n`);
    const a = await runCli(['analyze', w.tree]);
    expect(a.code).toBe(1);
    expect(a.stdout).not.toMatch(/unparsed regions: 0/);
    expect(a.stdout).toMatch(/^liba\/deep\.c:4:\d+: error: brackets nest more than 16000 levels deep here; .*flatten this code \[nesting-too-deep\]$/m);
    expect(a.stdout).toMatch(/^liba\/deep\.c:4:66001: error: flexos_gate here is not a call flexos read .*\[gate-not-seen\]$/m);
    await expectRefused(w, ['-o', w.out], /nothing was written/);
  });

  test('bytes that are not UTF-8 survive a rewrite untouched; a file name that is not UTF-8 is an error', async () => {
    const w = makeWorld('latin1');
    append(w, A_C, Buffer.from([0x2f, 0x2a, 0x20, 0xe9, 0xff, 0xfe, 0x20, 0x2a, 0x2f, 0x0a]));
    const r = await runCli(['rewrite', w.tree, '-c', w.config, '-o', w.out]);
    expect(r.code).toBe(0);
    const out = readFileSync(join(w.out, A_C));
    expect(out.subarray(out.length - 10)).toEqual(Buffer.from([0x2f, 0x2a, 0x20, 0xe9, 0xff, 0xfe, 0x20, 0x2a, 0x2f, 0x0a]));
    writeFileSync(Buffer.from(join(w.tree, 'liba/bad\xff.c'), 'latin1'), 'int bad;\n');
    rmSync(w.out, { recursive: true });
    const stderr = await expectRefused(w, ['-o', w.out], /nothing was written/);
    expect(stderr).toMatch(/^liba\/bad\uFFFD\.c:1:1: error: this name is not valid UTF-8.*rename it to UTF-8 \[file-name-not-utf8\]$/m);
  });

  test('BOM and CRLF: the BOM stays first, inserted text follows the line endings, and the output builds and runs', async () => {
    const w = makeWorld('bom');
    const crlf = readFileSync(join(w.tree, A_C), 'latin1').replace(/\n/g, '\r\n');
    writeFileSync(join(w.tree, A_C), Buffer.from('\u00ef\u00bb\u00bf' + crlf, 'latin1'));
    const vmept = join(w.dir, 'cfg', 'vmept.yaml');
    writeFileSync(vmept, readFileSync(join(w.tree, 'dss-vmept.yaml')));
    const a = await runCli(['analyze', w.tree]);
    expect(a.stdout).toMatch(/unparsed regions: 0/);
    const r = await runCli(['rewrite', w.tree, '-c', vmept, '-o', w.out]);
    expect(r.code).toBe(0);
    const out = readFileSync(join(w.out, A_C));
    expect(out.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const text = out.toString('latin1');
    expect(text).toContain('flexos_vmept_gate');
    expect(text.match(/(?<!\r)\n/g)).toBeNull();
    const make = spawnSync('make', ['-s', '-C', w.out, '-f', 'flexos/Makefile'], { encoding: 'utf8' });
    expect(make.stderr).toBe('');
    const run = spawnSync(join(w.out, 'build/app'), [], { encoding: 'utf8' });
    expect(run.stdout).toBe('checksum: 0x0000000000000033\n');
  });

  test('a callback attribute after a prototype declarator is read and rewritten', async () => {
    const w = makeWorld('proto');
    const text = readFileSync(join(w.tree, A_C), 'latin1');
    writeFileSync(join(w.tree, A_C), text.replace('/* libb calls it through a pointer */\n__attribute__((libb_callback)) static int a_cb(int x)', 'static int a_cb(int x) __attribute__((libb_callback));\n\nstatic int a_cb(int x)'));
    const r = await runCli(['rewrite', w.tree, '-c', join(w.tree, 'heap-vmept.yaml'), '-o', w.out]);
    expect(r.code).toBe(0);
    const out = readFileSync(join(w.out, A_C), 'latin1');
    expect(out).toContain('static int a_cb(int x);');
    expect(out).toContain('static int a_cb__flexos_impl(int x)');
    expect(out).not.toContain('libb_callback');
  });

  test('gate arguments: flexos_gate() names the count and the form; more arguments than the parameters is an error', async () => {
    const w = makeWorld('gateargs');
    append(w, A_C, 'void more(int *p)\n{\n\tflexos_gate();\n\tflexos_gate(libb, b_add, 1, 2, 3, 4, 5, 6);\n}\n');
    const stderr = await expectRefused(w, ['-o', w.out], /2 error\(s\)/);
    expect(stderr).toMatch(/^liba\/a\.c:47:2: error: flexos_gate has 0 arguments, it needs at least 2: write flexos_gate\(library, function, arguments…\) \[gate-arguments\]$/m);
    expect(stderr).toMatch(/^liba\/a\.c:48:2: error: gate passes 6 arguments to 'b_add', which takes 2; pass exactly 2 \[gate-argument-count\]$/m);
  });
});

describe('links, unreadable files and names', () => {
  test('symlink loop and a link leaving the tree are errors at their path; a link to a source inside the tree is followed', async () => {
    const w = makeWorld('links');
    mkdirSync(join(w.tree, 'shared'));
    writeFileSync(join(w.tree, 'shared/b2.c'), '#include <b.h>\n\nint b_twice(int x)\n{\n\treturn 2 * x;\n}\n');
    symlinkSync('../shared/b2.c', join(w.tree, 'libb/b2.c'));
    append(w, 'libb/Makefile.uk', 'LIBB_SRCS-y += $(LIBB_BASE)/b2.c\n');
    const ok = await runCli(['rewrite', w.tree, '-c', w.config, '-o', w.out]);
    expect(ok.code).toBe(0);
    expect(readFileSync(join(w.out, 'flexos/Makefile'), 'utf8')).toContain('libb/b2.c');
    expect(readFileSync(join(w.out, 'libb/b2.c'), 'utf8')).toContain('b_twice');
    rmSync(w.out, { recursive: true });
    symlinkSync('loop.c', join(w.tree, 'liba/loop.c'));
    symlinkSync(join(w.dir, 'outside.txt'), join(w.tree, 'liba/escape.c'));
    const stderr = await expectRefused(w, ['-o', w.out], /nothing was written/);
    expect(stderr).toMatch(/^liba\/loop\.c:1:1: error: symbolic link loop: .*fix or remove the link \[symlink-loop\]$/m);
    expect(stderr).toMatch(/^liba\/escape\.c:1:1: error: symbolic link to .*outside\.txt, outside the tree: .*copy the file in, or name its library with `path:` in the configuration \[symlink-escape\]$/m);
  });

  test('a FIFO named like a source, and a link to it, are errors at their paths: never read (a read would wait for ever), in rewrite, analyze and check alike', async () => {
    const w = makeWorld('fifo');
    expect(spawnSync('mkfifo', [join(w.tree, 'liba/pipe.c')]).status).toBe(0);
    symlinkSync('pipe.c', join(w.tree, 'liba/link.c'));
    const message = (path: string) => new RegExp(`^${path.replace(/[./]/g, '\\$&')}:1:1: error: a FIFO \\(named pipe\\), not a regular file: not read \\(its sources are not analyzed\\); put the source file itself there \\[not-a-regular-file\\]$`, 'm');
    // a spawned CLI with a timeout: a hang fails the test instead of stopping the suite
    const cli = (...args: string[]) => spawnSync(process.execPath, [join(REPO, 'bin', 'flexos.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
    const analyze = cli('analyze', w.tree);
    expect(analyze.signal).toBeNull();
    expect(analyze.status).toBe(1);
    expect(analyze.stdout + analyze.stderr).toMatch(message('liba/pipe.c'));
    expect(analyze.stdout + analyze.stderr).toMatch(message('liba/link.c'));
    const check = cli('check', w.tree);
    expect(check.signal).toBeNull();
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(message('liba/pipe.c'));
    // named by itself, the FIFO is opened without blocking and refused on the open file
    const one = cli('check', join(w.tree, 'liba/link.c'));
    expect(one.signal).toBeNull();
    expect(one.status).toBe(1);
    expect(one.stdout).toMatch(message('liba/link.c'));
    // spawned too (the tree snapshots of expectRefused would read the FIFO themselves)
    const rewrite = cli('rewrite', w.tree, '-c', w.config, '-o', w.out);
    expect(rewrite.signal).toBeNull();
    expect(rewrite.status).toBe(2);
    expect(rewrite.stderr).toMatch(message('liba/pipe.c'));
    expect(rewrite.stderr).toMatch(/nothing was written/);
    expect(existsSync(w.out)).toBe(false);
  });

  test('check reports a file it cannot read (it dropped it, having no facts of it)', async () => {
    const w = makeWorld('check-unreadable');
    writeFileSync(join(w.tree, 'liba/blob.c'), Buffer.from('int\0\n'));
    const r = await runCli(['check', w.tree]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^liba\/blob\.c:1:4: error: binary file \(NUL byte\); flexos reads C source text only \[unreadable-file\]$/m);
  });

  test('exportsyms.uk that is a directory: a clean error with the path, no internal error', async () => {
    const w = makeWorld('eisdir');
    unlinkSync(join(w.tree, 'libb/exportsyms.uk'));
    mkdirSync(join(w.tree, 'libb/exportsyms.uk'));
    await expectRefused(w, ['-o', w.out], /^flexos: .*libb\/exportsyms\.uk: is a directory where a file was expected; remove or rename it \(EISDIR\)/m);
  });

  test('the configuration path is a directory: a clean error naming it', async () => {
    const w = makeWorld('cfgdir');
    const r = await runCli(['rewrite', w.tree, '-c', join(w.dir, 'cfg'), '-o', w.out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cfg: is a directory, not a configuration file; pass the path of the kraft\.yaml inside it/);
    expect(existsSync(w.out)).toBe(false);
  });
});

describe('hostile configurations', () => {
  const config = (w: World, text: string): string => {
    writeFileSync(w.config, text);
    return w.config;
  };
  const COMP = 'compartments:\n  - name: all\n    mechanism: { driver: fcalls }\n';

  test('malformed YAML: error at the position, what to fix', async () => {
    const w = makeWorld('yaml');
    config(w, COMP + 'libraries: [unclosed\n');
    await expectRefused(w, ['-o', w.out], /^flexos: .*fcalls\.yaml:\d+:\d+: invalid YAML: .*fix the syntax at this position$/m);
  });

  test('a typo in a key anywhere is an error with file:line:col and the nearest key', async () => {
    const w = makeWorld('typo');
    config(w, COMP + 'sharring: dss\n');
    await expectRefused(w, ['-o', w.out], /fcalls\.yaml:4:1: unknown key `sharring` at the top level; did you mean `sharing`\?/);
    config(w, 'compartments:\n  - name: all\n    mechanism: { driver: fcalls, noisolstak: true }\n');
    await expectRefused(w, ['-o', w.out], /fcalls\.yaml:3:34: unknown key `noisolstak` at `compartments\[0\]\.mechanism`; did you mean `noisolstack`\?/);
  });

  test('noisolstack is accepted and ignored, with a warning at its place', async () => {
    const w = makeWorld('noisol');
    config(w, 'compartments:\n  - name: all\n    mechanism: { driver: fcalls, noisolstack: true }\n');
    const r = await runCli(['rewrite', w.tree, '-c', w.config, '-o', w.out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^.*fcalls\.yaml:3:34: warning: `noisolstack` is accepted and ignored: .*set `sharing:` instead \[config-ignored-key\]$/m);
  });

  test('a YAML merge-key bomb is bounded: an error, not a hang', async () => {
    const w = makeWorld('bomb');
    let text = 'volumes:\n  a0: &a0 {name: x}\n';
    for (let i = 1; i < 12; i++) text += `  a${i}: &a${i}\n    <<: [${Array(9).fill(`*a${i - 1}`).join(', ')}]\n`;
    config(w, text + 'compartments:\n  - mechanism: { driver: fcalls }\n    <<: *a11\n');
    expect(text.length).toBeLessThan(1000);
    await expectRefused(w, ['-o', w.out], /merge keys \(`<<`\) here expand to more than 20000 entries/);
  });

  test('conflicting configuration: two default compartments; -o with --in-place', async () => {
    const w = makeWorld('conflict');
    config(w, 'compartments:\n  - name: a\n    mechanism: { driver: fcalls }\n    default: true\n  - name: b\n    mechanism: { driver: fcalls }\n    default: true\n');
    await expectRefused(w, ['-o', w.out], /fcalls\.yaml:7:5: compartment "b" is marked `default: true` but "a" \(line 4\) already is/);
    writeFileSync(w.config, readFileSync(join(w.tree, 'fcalls.yaml')));
    await expectRefused(w, ['-o', w.out, '--in-place'], /Arguments out and in-place are mutually exclusive/);
  });
});

describe('outputs: confined by construction', () => {
  test('-o with no value, -o the tree, -o inside the tree, -o /proc/x: refused before any work', async () => {
    const w = makeWorld('paths');
    await expectRefused(w, ['-o'], /-o needs a directory/);
    await expectRefused(w, ['-o', w.tree], /is the tree itself; flexos would overwrite the annotated sources/);
    await expectRefused(w, ['-o', join(w.tree, 'out')], /lies inside the tree .*pass a directory outside the tree/);
    await expectRefused(w, ['-o', '/proc/flexos-x'], /\/proc\/flexos-x: cannot create this directory \(ENOENT\)/);
  });

  test('-o into a directory holding someone else\'s files is refused; an earlier flexos output is replaced exactly (stale files go)', async () => {
    const w = makeWorld('outdir');
    mkdirSync(w.out);
    writeFileSync(join(w.out, 'precious.txt'), 'mine');
    await expectRefused(w, ['-o', w.out], /exists, is not empty and is not a flexos output .*pass a new or empty directory/);
    rmSync(w.out, { recursive: true });
    expect((await runCli(['rewrite', w.tree, '-c', w.config, '-o', w.out])).code).toBe(0);
    writeFileSync(join(w.out, 'liba/stale.c'), 'int stale;\n');
    const second = await runCli(['rewrite', w.tree, '-c', w.config, '-o', w.out]);
    expect(second.code).toBe(0);
    expect(existsSync(join(w.out, 'liba/stale.c'))).toBe(false);
    expect(readFileSync(join(w.out, 'liba/b.c'.replace('liba', 'libb')), 'utf8')).toBe(readFileSync(join(w.tree, 'libb/b.c'), 'utf8'));
    expectNoLeftovers(w.dir);
  });

  test('a library path: outside the tree goes to external/<lib>/ under -o, builds there, and --in-place refuses to touch it', async () => {
    const w = makeWorld('external');
    rmSync(join(w.dir, 'libb'), { recursive: true, force: true });
    spawnSync('mv', [join(w.tree, 'libb'), join(w.dir, 'libb')]);
    writeFileSync(w.config, 'compartments:\n  - name: all\n    mechanism: { driver: fcalls }\nlibraries:\n  libb: { path: ../libb }\n');
    const before = snapshot(w.dir);
    const r = await runCli(['rewrite', w.tree, '-c', w.config, '-o', w.out]);
    expect(r.code).toBe(0);
    expectUnchangedOutside(w.dir, before, ['out']);
    expect(existsSync(join(w.out, 'external/libb/b.c'))).toBe(true);
    expect(readFileSync(join(w.out, 'flexos/Makefile'), 'utf8')).toContain('external/libb/b.c');
    const make = spawnSync('make', ['-s', '-C', w.out, '-f', 'flexos/Makefile'], { encoding: 'utf8' });
    expect(make.status).toBe(0);
    const inPlace = await runCli(['rewrite', w.tree, '-c', w.config, '--in-place']);
    expect(inPlace.code).toBe(2);
    expect(inPlace.stderr).toMatch(/library libb lies outside the tree \(\.\.\/libb\); --in-place writes only inside .* use -o DIR instead/);
    expectUnchangedOutside(w.dir, before, ['out']);
  });

  test('a library name the generated Makefile cannot hold is refused; make never sees it', async () => {
    const w = makeWorld('makename');
    writeFileSync(join(w.tree, 'libb/Makefile.uk'), '$(eval $(call addlib,libb${shell touch PWNED}))\nLIBB_SRCS-y += $(LIBB_BASE)/b.c\n');
    await expectRefused(w, ['-o', w.out], /libb\/Makefile\.uk: library name 'libb\$\{shell touch PWNED\}' cannot be written into the generated Makefile .*rename it in its addlib line/);
    expect(existsSync(join(w.dir, 'PWNED'))).toBe(false);
  });
});

describe('writes: all or nothing', () => {
  test('in place, a target that became a directory: refused before any file changes, no temp file left', async () => {
    const w = makeWorld('inplace');
    mkdirSync(join(w.tree, 'flexos/deployment.c'), { recursive: true });
    const before = snapshot(w.dir);
    const r = await runCli(['rewrite', w.tree, '-c', w.config, '--in-place']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/flexos\/deployment\.c: is a directory where flexos must write a file; remove or rename it \(nothing was written\)/);
    expectUnchangedOutside(w.dir, before);
    expectNoLeftovers(w.dir);
  });

  test('a file changed since it was read is not replaced: the whole commit rolls back', async () => {
    const w = makeWorld('changed');
    const a = join(w.tree, A_C);
    const b = join(w.tree, 'libb/b.c');
    const original = readFileSync(a);
    const before = snapshot(w.dir);
    // b.c was read as "stale" content: its check fails after a.c was already replaced
    const changes = [
      { path: a, content: Buffer.from('new a'), expected: original },
      { path: b, content: Buffer.from('new b'), expected: Buffer.from('what flexos read') },
    ];
    await expect(commitChanges(w.tree, changes)).rejects.toThrow(/libb\/b\.c: changed since flexos read it .*run flexos again/);
    expectUnchangedOutside(w.dir, before);
    expectNoLeftovers(w.dir);
  });

  test('a killed run leaves a journal; the next write rolls it back first and says so', async () => {
    const w = makeWorld('journal');
    const a = join(w.tree, A_C);
    const original = readFileSync(a, 'latin1');
    // the state of a run killed after replacing a.c: its backup and journal are in .flexos-txn
    const txn = join(w.tree, '.flexos-txn');
    mkdirSync(txn);
    writeFileSync(join(txn, 'backup-0'), original, 'latin1');
    writeFileSync(a, 'half of a rewrite');
    writeFileSync(join(txn, 'journal.json'), JSON.stringify({ pid: 999_999_999, state: 'commit', dirs: [], entries: [{ target: a, staged: 'staged-0', backup: 'backup-0', existed: true }] }));
    const r = await runCli(['rewrite', w.tree, '-c', w.config, '--in-place']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/note: .*rolled back the write of an interrupted run \(pid 999999999\)/);
    expect(readFileSync(a, 'latin1')).toContain('flexos_nop_gate');
    expectNoLeftovers(w.dir);
  });
});

describe('messages and the terminal', () => {
  test('--json on an error prints a JSON error object on stdout; -h and --version work', async () => {
    const w = makeWorld('json');
    const r = await runCli(['rewrite', w.tree, '-c', join(w.dir, 'missing.yaml'), '-o', w.out, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ error: { message: expect.stringMatching(/missing\.yaml: configuration file not found/), exitCode: 2 } });
    // yargs prints help and version itself: through the real launcher (dist/ is built by scripts/test.sh)
    const launcher = (arg: string): string => spawnSync(process.execPath, [join(REPO, 'bin/flexos.js'), arg], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }).stdout;
    expect(launcher('-h')).toMatch(/Commands:/);
    expect(launcher('--version').trim()).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
  });

  test('a terminal of 0 columns does not crash the progress bar', () => {
    const stderr = process.stderr as unknown as { isTTY?: boolean; columns?: number };
    const saved = { isTTY: stderr.isTTY, columns: stderr.columns, ci: process.env.CI };
    const written: string[] = [];
    const write = process.stderr.write;
    try {
      stderr.isTTY = true;
      stderr.columns = 0;
      delete process.env.CI;
      process.stderr.write = ((t: string) => written.push(t) > 0) as typeof process.stderr.write;
      const p = new Progress('test');
      p.update(0, 2, 'a.c');
      p.update(1, 2, 'b.c');
      p.done();
    } finally {
      process.stderr.write = write;
      stderr.isTTY = saved.isTTY;
      stderr.columns = saved.columns;
      if (saved.ci !== undefined) process.env.CI = saved.ci;
    }
    expect(written.join('')).toContain('test [2/2] b.c');
  });
});

describe('linear diffs of large files', () => {
  test('the aligner used past 4,000 lines gives patches git apply reproduces exactly', () => {
    const w = makeWorld('diff');
    let seed = 12345;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let t = 0; t < 6; t++) {
      const lines = Array.from({ length: 5000 }, () => (rnd() < 0.3 ? '}' : rnd() < 0.2 ? '' : `line ${Math.floor(rnd() * 3000)}`));
      const before = lines.join('\n') + (t % 2 === 0 ? '\n' : '');
      const after = lines.flatMap((l) => (rnd() < 0.02 ? [] : rnd() < 0.02 ? [`new ${t}`, l] : rnd() < 0.02 ? [`chg ${l}`] : [l])).join('\n') + (t % 3 === 0 ? '' : '\n');
      writeFileSync(join(w.dir, 'f.c'), before);
      writeFileSync(join(w.dir, 'p.diff'), fileDiff('f.c', before, after).text);
      const r = spawnSync('git', ['apply', '--whitespace=nowarn', '-p1', 'p.diff'], { cwd: w.dir, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(readFileSync(join(w.dir, 'f.c'), 'utf8')).toBe(after);
    }
  });
});
