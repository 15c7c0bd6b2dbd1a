import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { rewriteForUnikraft, type UnikraftRewrite } from '../../src/emit/unikraft/unikraft-rewrite.js';
import { pkruFor } from '../../src/emit/unikraft/splices.js';
import { runCli } from '../rewrite/support.js';
import { newTempDir } from '../support/temp-tree.js';

const FIXTURE = 'test/unikraft/fixture';
const TREE = `${FIXTURE}/unikraft`;
const GOLDEN = 'test/unikraft/golden';
const CONFIGS = ['kraft', 'pku3-heap', 'pku2-shared', 'fcalls2', 'vmept2'];

function config(name: string, root = FIXTURE): string {
  return `${root}/apps/demo/${name}.yaml`;
}

/** Every file the rewrite writes or changes, as a diff against the input (new files in full). */
function snapshot(r: UnikraftRewrite): string {
  return [...r.files.keys()]
    .sort()
    .map((rel) => {
      const input = join(r.layout.workspace, rel);
      const before = existsSync(input) ? readFileSync(input, 'latin1') : '';
      return createTwoFilesPatch(`a/${rel}`, `b/${rel}`, before, r.files.get(rel)!, '', '', { context: 2 }).replace(/^=+\n/, '');
    })
    .join('');
}

function file(r: UnikraftRewrite, rel: string): string {
  const text = r.files.get(rel);
  if (text === undefined) throw new Error(`${rel} not written; written: ${[...r.files.keys()].join(', ')}`);
  return text;
}

/** A copy of the fixture to break (or rewrite in place). */
function fixtureCopy(): string {
  const dir = newTempDir('flexos-uk-fixture-');
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

describe('rewrite --target unikraft on a Unikraft-shaped fixture', () => {
  test.each(CONFIGS)('%s: output matches the golden file', (name) => {
    const r = rewriteForUnikraft(TREE, config(name));
    expect(r.errors).toEqual([]);
    const text = snapshot(r);
    const golden = join(GOLDEN, `${name}.diff`);
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(golden, text, 'latin1');
    }
    expect(text).toBe(readFileSync(golden, 'latin1'));
  });

  test.each(CONFIGS)('%s: the built CLI writes the same with files read on worker threads as on one', (name) => {
    // workers run the compiled dist/ (scripts/test.sh builds it), so this drives the built CLI
    const cli = (jobs: string) => spawnSync(process.execPath, ['bin/flexos.js', 'rewrite', '--target', 'unikraft', TREE, '-c', config(name), '--diff', '--jobs', jobs], { encoding: 'utf8' });
    const one = cli('1');
    const three = cli('3');
    expect(one.status).toBe(1); // --diff: changes found
    expect(three.status).toBe(1);
    expect(three.stdout).toBe(one.stdout);
    expect(three.stderr).toBe(one.stderr);
    expect(one.stdout).toMatch(/^diff --git /m);
  });

  test('PKRU per compartment: key N and the shared key 15 open, for every N (kraft is right for N = 1 only)', () => {
    expect(pkruFor(0)).toBe('0x3ffffffc');
    expect(pkruFor(1)).toBe('0x3ffffff3');
    expect(pkruFor(2)).toBe('0x3fffffcf');
    expect(pkruFor(14)).toBe('0x0fffffff');
    const r = rewriteForUnikraft(TREE, config('pku3-heap'));
    const alloc = file(r, 'unikraft/lib/ukalloc/include/uk/alloc.h');
    expect(alloc).toContain('case 0x3ffffff3: /* running in compartment 1 */\n\t\treturn flexos_comp1_alloc;');
    expect(alloc).toContain('case 0x3fffffcf: /* running in compartment 2 */\n\t\treturn flexos_comp2_alloc;');
    expect(alloc).not.toContain('0x3fffffe7'); // kraft's 0x3fffffff & ~(0x3 << 3)
    expect(alloc).toContain('/* __FLEXOS MARKER__: insert compartment-specific allocator cases here. (rewritten) */');
  });

  test('three compartments: one linker fragment per isolated library, sections and heaps for 1 and 2', () => {
    const r = rewriteForUnikraft(TREE, config('pku3-heap'));
    expect(file(r, 'libs/store/flexos_extra.ld')).toContain('.data_comp1 : {');
    expect(file(r, 'unikraft/lib/vfscore/flexos_extra.ld')).toContain('.bss_comp2 : {');
    expect(file(r, 'unikraft/lib/vfscore/Makefile.uk')).toContain('LIBVFSCORE_LDFLAGS-y += -Wl,-T,$(LIBVFSCORE_BASE)/flexos_extra.ld');
    expect(r.files.has('unikraft/lib/ukboot/flexos_extra.ld')).toBe(false); // default compartment
    const boot = file(r, 'unikraft/lib/ukboot/boot.c');
    expect(boot).toContain('ASSIGN_HEAP("comp1", 1');
    expect(boot).toContain('ASSIGN_HEAP("comp2", 2');
    expect(boot).toContain('PROTECT_SECTION("ukfslist", /* __FLEXOS MARKER__: vfscore compartment (rewritten) */2/* __FLEXOS MARKER__: end */,'); // vfscore's compartment
    const lds = file(r, 'unikraft/plat/kvm/x86/link64.lds.S');
    expect(lds.match(/PROVIDE\(flexos_comp\d_alloc/g)).toEqual(['PROVIDE(flexos_comp1_alloc', 'PROVIDE(flexos_comp2_alloc']);
    expect(file(r, 'unikraft/lib/uksched/sched.c')).toContain(', stack_comp1, stack_comp2/* __FLEXOS MARKER__: end */,');
  });

  test('gates get FlexOS names and numeric compartments for each driver', () => {
    const pku = file(rewriteForUnikraft(TREE, config('pku3-heap')), 'apps/demo/main.c');
    expect(pku).toContain('flexos_intelpku_gate_r(0, 1, ret, store_put, heap_buf, 8);');
    expect(pku).toContain('flexos_intelpku_gate(0, 2, vfs_log, shared_msg);');
    expect(pku).toContain('flexos_intelpku_gate_r(1, 0, __flexos_ret, _twice, value)');
    const fcalls = file(rewriteForUnikraft(TREE, config('fcalls2')), 'apps/demo/main.c');
    expect(fcalls).not.toMatch(/flexos_(intelpku|vmept)_gate/);
    expect(fcalls).toContain('flexos_nop_gate_r(0, 1, ret, store_put, heap_buf, 8);');
    const vmept = file(rewriteForUnikraft(TREE, config('vmept2')), 'apps/demo/main.c');
    expect(vmept).toContain('flexos_vmept_gate_r(0, 1, ret, store_put, heap_buf, 8);');
  });

  test('stack strategies: dss mirrors at STACK_SIZE, heap frees on every exit, shared stacks strip the attribute', () => {
    const dss = rewriteForUnikraft(TREE, config('kraft'));
    expect(file(dss, 'apps/demo/main.c')).toContain('char (*stack_buf)[8] = flexos_dss_local(&__flexos_slot_stack_buf,');
    expect(file(dss, 'unikraft/lib/flexos-core/include/flexos/rewrite-locals.h')).toContain('(uintptr_t)slot + STACK_SIZE');
    expect(file(dss, 'apps/demo/flexos.config')).toContain('CONFIG_LIBFLEXOS_ENABLE_DSS=y');
    const heap = file(rewriteForUnikraft(TREE, config('pku3-heap')), 'apps/demo/main.c');
    // the early `return ret;` and the final `return counter;` both free both blocks, newest first
    expect(heap.match(/uk_free\(flexos_shared_alloc, counter\); uk_free\(flexos_shared_alloc, stack_buf\); return __flexos_ret;/g)).toHaveLength(2);
    const shared = rewriteForUnikraft(TREE, config('pku2-shared'));
    const main = file(shared, 'apps/demo/main.c');
    expect(main).toContain('char stack_buf[8] = { 1, 2, 3 };');
    expect(main).not.toContain('flexos_whitelist');
    expect(shared.files.has('unikraft/lib/flexos-core/include/flexos/rewrite-locals.h')).toBe(false);
    // no private stacks: no thread status blocks, no extra stacks, the markers just disappear
    expect(file(shared, 'unikraft/lib/flexos-core/intelpku.c')).not.toContain('tsb_comp1');
    expect(file(shared, 'unikraft/lib/uksched/sched.c')).not.toContain('stack_comp1');
    expect(file(shared, 'apps/demo/flexos.config')).toContain('CONFIG_LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS=y');
  });

  test('hardening becomes the library CFLAGS and the Kconfig of its runtime support', () => {
    const r = rewriteForUnikraft(TREE, config('pku3-heap'));
    const mk = file(r, 'libs/store/Makefile.uk');
    expect(mk).toContain('LIBSTORE_CFLAGS-y += -fsanitize=undefined -fstack-protector-all');
    expect(mk).toContain('LIBSTORE_CXXFLAGS-y += -fsanitize=undefined -fstack-protector-all');
    const kconfig = file(r, 'apps/demo/flexos.config');
    expect(kconfig).toContain('CONFIG_LIBUBSAN=y');
    expect(kconfig).toContain('CONFIG_LIBUKSP=y');
    expect(file(r, 'unikraft/lib/vfscore/Makefile.uk')).not.toContain('CFLAGS');
  });

  test('the Kconfig fragment: kraft.yaml kconfig, targets, library enables, driver options, each once', () => {
    const text = file(rewriteForUnikraft(TREE, config('kraft')), 'apps/demo/flexos.config');
    const lines = text.split('\n').filter((l) => l.startsWith('CONFIG_'));
    expect(lines).toEqual([
      'CONFIG_LIBFLEXOS=y',
      'CONFIG_ARCH_X86_64=y',
      'CONFIG_PLAT_KVM=y',
      'CONFIG_LIBSTORE=y',
      'CONFIG_DYNAMIC_PT=y',
      'CONFIG_LIBFLEXOS_INTELPKU=y',
      'CONFIG_LIBFLEXOS_GATE_INTELPKU_PRIVATE_STACKS=y',
      'CONFIG_LIBFLEXOS_ENABLE_DSS=y',
    ]);
  });

  test.each(CONFIGS)('%s: deterministic, and rewriting the output changes nothing', async (name) => {
    const first = snapshot(rewriteForUnikraft(TREE, config(name)));
    expect(snapshot(rewriteForUnikraft(TREE, config(name)))).toBe(first);
    const out = newTempDir(`flexos-uk-${name}-`);
    rmSync(out, { recursive: true, force: true });
    const cli = await runCli(['rewrite', '--target', 'unikraft', TREE, '-c', config(name), '-o', out]);
    expect(cli.stderr).toBe("lib/ukboot/boot.c:18:2: warning: this gate is a statement without its ';'; the rewrite adds it — add it to the source [gate-missing-semicolon]\n");
    expect(cli.code).toBe(0);
    const again = rewriteForUnikraft(join(out, 'unikraft'), config(name, out));
    expect(again.errors).toEqual([]);
    for (const [rel, text] of again.files) expect([rel, readFileSync(join(out, rel), 'latin1')]).toEqual([rel, text]);
    expect(again.rewrite.files.filter((f) => f.changed).map((f) => f.path)).toEqual([]);
    const diff = await runCli(['rewrite', '--target', 'unikraft', join(out, 'unikraft'), '-c', config(name, out), '--diff']);
    expect([diff.code, diff.stdout]).toEqual([0, '']);
  });

  test("sources kraft fetched into the app's build/<lib>/origin are rewritten as their library's, with newlib's _DEFUN, and keep their timestamps", async () => {
    const dir = fixtureCopy();
    const origin = join(dir, 'apps/demo/build/libstore/origin/store-1.0');
    mkdirSync(origin, { recursive: true });
    writeFileSync(join(dir, 'apps/demo/build/libstore/.origin'), '');
    writeFileSync(
      join(origin, 'extra.c'),
      '#include <flexos/isolation.h>\n#include <vfscore/log.h>\n\nint\n_DEFUN (store_log, (msg, len),\n     const char *msg _AND\n     int len)\n{\n  int ret;\n  flexos_gate_r(libvfscore, ret, vfs_log, msg);\n  return ret + len;\n}\n',
    );
    writeFileSync(join(origin, 'plain.c'), 'int store_plain(void) { return 1; }\n');
    const old = new Date('2021-07-24T16:41:36Z');
    utimesSync(join(dir, 'apps/demo/build/libstore/.origin'), old, old);
    const r = rewriteForUnikraft(join(dir, 'unikraft'), config('kraft', dir));
    expect(r.errors).toEqual([]);
    // libstore is compartment 1, vfscore the default one
    expect(file(r, 'apps/demo/build/libstore/origin/store-1.0/extra.c')).toContain('flexos_intelpku_gate_r(1, 0, ret, vfs_log, msg);');
    const out = join(newTempDir('flexos-uk-fetched-'), 'out');
    const cli = await runCli(['rewrite', '--target', 'unikraft', join(dir, 'unikraft'), '-c', config('kraft', dir), '-o', out]);
    expect(cli.code).toBe(0);
    expect(statSync(join(out, 'apps/demo/build/libstore/.origin')).mtime.toISOString()).toBe(old.toISOString());
    expect(readFileSync(join(out, 'apps/demo/build/libstore/origin/store-1.0/plain.c'), 'latin1')).toBe('int store_plain(void) { return 1; }\n');
  });

  test('--in-place rewrites the tree, libraries and app where they are', async () => {
    const dir = fixtureCopy();
    const cli = await runCli(['rewrite', '--target', 'unikraft', join(dir, 'unikraft'), '-c', config('kraft', dir), '--in-place']);
    expect(cli.code).toBe(0);
    expect(readFileSync(join(dir, 'apps/demo/main.c'), 'latin1')).toContain('flexos_intelpku_gate_r(0, 1, ret, store_put');
    expect(readFileSync(join(dir, 'libs/store/Makefile.uk'), 'latin1')).toContain('LIBSTORE_LDFLAGS-y');
    expect(existsSync(join(dir, 'libs/store/flexos_extra.ld'))).toBe(true);
  });
});

describe('rewrite --target unikraft refuses what it cannot build, at file:line:col', () => {
  function withConfig(text: string): string {
    const dir = fixtureCopy();
    writeFileSync(join(dir, 'apps/demo/bad.yaml'), text);
    return dir;
  }

  test.each([
    [
      'mixed drivers',
      'compartments:\n  - name: a\n    mechanism: { driver: intel-pku }\n    default: true\n  - name: b\n    mechanism: { driver: vmept }\nlibraries:\n  store: { compartment: b }\n',
      /bad\.yaml:5:5: FlexOS's unikraft tree builds one isolation backend per image/,
    ],
    [
      'default not first',
      'compartments:\n  - name: a\n    mechanism: { driver: intel-pku }\n  - name: b\n    mechanism: { driver: intel-pku }\n    default: true\nlibraries:\n  store: { compartment: a }\n',
      /bad\.yaml:4:5: the default compartment must be declared first/,
    ],
    [
      'vmept with dss',
      'compartments:\n  - name: a\n    mechanism: { driver: vmept }\n    default: true\n  - name: b\n    mechanism: { driver: vmept }\nsharing: dss\nlibraries:\n  store: { compartment: b }\n',
      /bad\.yaml:7:10: sharing 'dss' is not available with vmept on the unikraft target; use 'sharing: heap'/,
    ],
  ])('%s', async (_name, yaml, message) => {
    const dir = withConfig(yaml);
    const cli = await runCli(['rewrite', '--target', 'unikraft', join(dir, 'unikraft'), '-c', join(dir, 'apps/demo/bad.yaml'), '-o', newTempDir('flexos-uk-bad-')]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(message);
    expect(cli.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  test('more intel-pku compartments than keys', async () => {
    const comps = Array.from({ length: 16 }, (_, i) => `  - name: c${i}\n    mechanism: { driver: intel-pku }\n${i === 0 ? '    default: true\n' : ''}`).join('');
    const dir = withConfig(`compartments:\n${comps}libraries:\n  store: { compartment: c1 }\n`);
    const cli = await runCli(['rewrite', '--target', 'unikraft', join(dir, 'unikraft'), '-c', join(dir, 'apps/demo/bad.yaml'), '-o', newTempDir('flexos-uk-bad-')]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/bad\.yaml:\d+:5: intel-pku on FlexOS's unikraft tree supports at most 15 compartments/);
  });

  test('a gate that cannot be rewritten names its file:line:col and nothing is written', async () => {
    const dir = fixtureCopy();
    const main = join(dir, 'apps/demo/main.c');
    writeFileSync(main, readFileSync(main, 'latin1').replace('flexos_gate_r(libstore, ret, store_put, heap_buf, 8);', 'flexos_gate_r(libstore, ret, store_put, heap_buf, 1, 2, 3, 4, 5, 6);'));
    const out = join(newTempDir('flexos-uk-bad-'), 'out');
    const cli = await runCli(['rewrite', '--target', 'unikraft', join(dir, 'unikraft'), '-c', config('kraft', dir), '-o', out]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/apps\/demo\/main\.c:25:2: error: gate passes 7 arguments/);
    expect(existsSync(out)).toBe(false);
  });

  test('a tree without the linker-script markers is not a FlexOS tree', async () => {
    const dir = fixtureCopy();
    const lds = join(dir, 'unikraft/plat/kvm/x86/link64.lds.S');
    writeFileSync(lds, readFileSync(lds, 'latin1').replace(/\t\/\* __FLEXOS MARKER__: insert compartment (data|bss) sections here\. \*\/\n/g, ''));
    const cli = await runCli(['rewrite', '--target', 'unikraft', join(dir, 'unikraft'), '-c', config('kraft', dir), '-o', newTempDir('flexos-uk-bad-')]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/no '\/\* __FLEXOS MARKER__: insert compartment data sections here\. \*\/' comment in the tree/);
  });

  test('a whitelisted local declared under #if: dss keeps it there, heap frees it under the same condition, an #else branch is refused', async () => {
    const dir = fixtureCopy();
    const vfs = join(dir, 'unikraft/lib/vfscore/main.c');
    const original = readFileSync(vfs, 'latin1');
    writeFileSync(vfs, original + '\nint vfs_flags(int fd)\n{\n\tint ret = fd;\n#if defined(FIONBIO)\n\tint tmp __attribute__((flexos_whitelist));\n\tflexos_gate(libvfscore, vfs_log, (const char *)&tmp);\n#endif\n\tif (ret < 0)\n\t\treturn -1;\n\treturn ret;\n}\n');
    const dss = rewriteForUnikraft(join(dir, 'unikraft'), config('kraft', dir));
    expect(dss.errors).toEqual([]);
    expect(file(dss, 'unikraft/lib/vfscore/main.c')).toContain('#if defined(FIONBIO)\n\tint __flexos_slot_tmp; int (*tmp) = flexos_dss_local(&__flexos_slot_tmp, sizeof(*tmp), 0);');
    const heap = rewriteForUnikraft(join(dir, 'unikraft'), config('pku3-heap', dir));
    expect(heap.errors).toEqual([]);
    const text = file(heap, 'unikraft/lib/vfscore/main.c');
    expect(text).toContain('{ int __flexos_ret = -1; \n#if (defined(FIONBIO))\nuk_free(flexos_shared_alloc, tmp);\n#endif\n return __flexos_ret; }');
    expect(text).toContain('#if (defined(FIONBIO))\n\tuk_free(flexos_shared_alloc, tmp);\n#endif\n}');
    writeFileSync(vfs, original + '\nint vfs_flags(int fd)\n{\n#if defined(FIONBIO)\n\tint other;\n#else\n\tint tmp __attribute__((flexos_whitelist));\n\tflexos_gate(libvfscore, vfs_log, (const char *)&tmp);\n#endif\n\treturn fd;\n}\n');
    const cli = await runCli(['rewrite', '--target', 'unikraft', join(dir, 'unikraft'), '-c', config('pku3-heap', dir), '-o', newTempDir('flexos-uk-bad-')]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/lib\/vfscore\/main\.c:\d+:6: error: cannot move whitelisted local 'tmp' to the shared heap: it is declared in an #else\/#elif branch/);
  });

  test("a gate naming no library runs in the callee's only owner, as kraft's catch-all rule did, with a warning", () => {
    const dir = fixtureCopy();
    const main = join(dir, 'apps/demo/main.c');
    writeFileSync(main, readFileSync(main, 'latin1').replace('flexos_gate(libvfscore, vfs_log, shared_msg);', 'flexos_gate(appoldname, vfs_log, shared_msg);'));
    const r = rewriteForUnikraft(join(dir, 'unikraft'), config('pku3-heap', dir));
    expect(r.errors).toEqual([]);
    expect(file(r, 'apps/demo/main.c')).toContain('flexos_intelpku_gate(0, 2, vfs_log, shared_msg);');
    expect(r.warnings.find((w) => w.code === 'gate-unknown-library')?.message).toMatch(/'vfs_log' is defined in libvfscore only, so the gate runs it there/);
  });

  test('marker text inside a string literal is not a marker; an unknown marker is reported at its line', () => {
    const dir = fixtureCopy();
    const vfs = join(dir, 'unikraft/lib/vfscore/main.c');
    writeFileSync(vfs, readFileSync(vfs, 'latin1') + '\nconst char *vfs_doc = "/* __FLEXOS MARKER__: insert tsb decls here. */";\n/* __FLEXOS MARKER__: insert something new here. */\n');
    const r = rewriteForUnikraft(join(dir, 'unikraft'), config('kraft', dir));
    const out = file(r, 'unikraft/lib/vfscore/main.c');
    expect(out).toContain('const char *vfs_doc = "/* __FLEXOS MARKER__: insert tsb decls here. */";');
    expect(r.warnings.filter((w) => w.code === 'unknown-marker').map((w) => `${w.file}:${w.line}:${w.column}`)).toEqual(['lib/vfscore/main.c:14:1']);
  });

  test('an output directory inside the input is refused', async () => {
    const dir = fixtureCopy();
    const cli = await runCli(['rewrite', '--target', 'unikraft', join(dir, 'unikraft'), '-c', config('kraft', dir), '-o', join(dir, 'libs', 'store', 'out')]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/the output would overlap the input/);
  });
});
