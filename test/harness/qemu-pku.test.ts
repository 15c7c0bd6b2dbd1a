/**
 * The QEMU TCG lane (src/harness/qemu.ts) boots a guest whose emulated CPU has PKU and runs
 * static binaries in it; Linux protection keys really are enforced there (SIGSEGV with
 * si_code == SEGV_PKUERR), while this host CPU has no PKU at all. One boot for all jobs (~8 s).
 * Skipped (visibly, with the reason) when qemu or the guest kernel is missing:
 * scripts/setup-test-deps.sh installs them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCpioNewc } from '../../src/harness/cpio.js';
import { qemuAvailability, qemuPaths, runInGuest, runInGuestDetailed } from '../../src/harness/qemu.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'fixtures');

describe('cpio newc writer', () => {
  const haveCpio = spawnSync('cpio', ['--version']).status === 0;
  (haveCpio ? test : test.skip)('cpio(1) lists the files, links and device nodes it wrote', () => {
    const archive = buildCpioNewc([
      { kind: 'dir', path: 'bin' },
      { kind: 'file', path: 'bin/hello', data: 'hi\n', mode: 0o755 },
      { kind: 'symlink', path: 'bin/sh', target: 'hello' },
      { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    ]);
    const listing = execFileSync('cpio', ['-t', '--quiet'], { input: archive, encoding: 'utf8' });
    expect(listing.trim().split('\n')).toEqual(['bin', 'bin/hello', 'bin/sh', 'dev/console']);
  });
});

const avail = qemuAvailability();

describe('QEMU TCG guest with PKU', () => {
  if (!avail.ok) {
    console.warn(`QEMU PKU lane skipped: ${avail.reason}`);
    test.skip(`pkey_mprotect + wrpkru deny access with SEGV_PKUERR in the guest (SKIPPED: ${avail.reason})`, () => {});
    return;
  }

  let work = '';
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'flexos-qemu-test-'));
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function compile(name: string): string {
    const out = join(work, name);
    execFileSync('gcc', ['-static', '-O2', '-Wall', '-Werror', '-o', out, join(fixtures, `${name}.c`)], {
      stdio: 'pipe',
    });
    return out;
  }

  test('pkey_mprotect + wrpkru deny access with SEGV_PKUERR in the guest; all jobs run in one boot', async () => {
    const probe = compile('pkey-probe');
    const echo = compile('echo-exit');
    const busybox = qemuPaths().busybox!; // static; argv[0] "busybox" + applet name as first arg
    const run = await runInGuestDetailed(
      [
        { name: 'pkey-probe', binary: probe },
        { name: 'echo-exit', binary: echo, args: ['7', 'two words', "it's", ''] },
        { name: 'hangs', binary: busybox, args: ['sh', '-c', 'echo before; sleep 60; echo after'], timeoutMs: 2000 },
        { name: 'env', binary: busybox, args: ['sh', '-c', 'echo "FOO=$FOO"; exit 3'], env: { FOO: 'bar baz' } },
      ],
      { timeoutMs: 150_000 },
    );
    console.log(`QEMU guest: kernel ${run.kernelRelease}, boot+run ${run.elapsedMs} ms`);

    expect(run.cpuFlags).toEqual(expect.arrayContaining(['pku', 'ospke']));
    expect(run.results.map((r) => r.name)).toEqual(['pkey-probe', 'echo-exit', 'hangs', 'env']);

    const [pk, ec, hang, last] = run.results;
    expect(pk!.stdout.split('\n')).toEqual([
      'pkey_alloc: ok',
      'pkey_mprotect: ok',
      'write before deny: ok',
      'wrpkru: deny access',
      'SIGSEGV: si_code=4 SEGV_PKUERR=yes addr_match=yes',
      'wrpkru: allow access',
      'read after allow: 42',
      'write after allow: 43',
      'done',
      '',
    ]);
    expect(pk!.exitCode).toBe(0);
    expect(pk!.timedOut).toBe(false);

    expect(ec!.stdout).toBe('argc=5\narg1=[7]\narg2=[two words]\narg3=[it\'s]\narg4=[]\nto-stderr\n');
    expect(ec!.exitCode).toBe(7);
    expect(ec!.timedOut).toBe(false);

    expect(hang!).toEqual({ name: 'hangs', exitCode: null, stdout: 'before\n', timedOut: true });
    expect(last!).toEqual({ name: 'env', exitCode: 3, stdout: 'FOO=bar baz\n', timedOut: false });
  }, 180_000);

  test('a dynamically linked job binary is rejected before booting', async () => {
    const dyn = join(work, 'echo-dyn');
    execFileSync('gcc', ['-O2', '-o', dyn, join(fixtures, 'echo-exit.c')], { stdio: 'pipe' });
    await expect(runInGuest([{ name: 'dyn', binary: dyn }])).rejects.toThrow(/dynamically linked.*-static/);
  });

  test('a guest that does not finish in time is killed and reported with the console tail', async () => {
    const echo = compile('echo-exit');
    await expect(runInGuest([{ name: 'x', binary: echo }], { timeoutMs: 1500 })).rejects.toThrow(
      /did not finish within 1500 ms[\s\S]*qemu command[\s\S]*-cpu max[\s\S]*console tail/,
    );
  });
});
