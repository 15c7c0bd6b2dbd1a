/**
 * Interrupted runs, with real signals to a real `flexos` child process. The commit is slowed by
 * FLEXOS_TEST_COMMIT_DELAY_MS (a test hook of emit/transaction.ts) so that the signal lands
 * while targets are being replaced; the test waits until the journal holds a backup.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectNoLeftovers, expectUnchangedOutside, makeWorld, REPO, snapshot } from './world.js';

const LAUNCHER = join(REPO, 'bin/flexos.js');

beforeAll(() => {
  if (!existsSync(join(REPO, 'dist/cli/main.js'))) {
    const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: REPO, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tsc failed:\n${r.stdout}${r.stderr}`);
  }
}, 300_000);

function flexos(args: string[], delayMs: number): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const child = spawn(process.execPath, [LAUNCHER, ...args], { env: { ...process.env, NODE_OPTIONS: '', FLEXOS_TEST_COMMIT_DELAY_MS: String(delayMs) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { child, done };
}

/** Resolves once the commit under `anchor` has replaced or placed a file (a backup exists, or a staged copy has moved). */
async function midCommit(anchor: string, timeoutMs = 100_000): Promise<void> {
  const journal = join(anchor, '.flexos-txn');
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const entries = (JSON.parse(readFileSync(join(journal, 'journal.json'), 'utf8')) as { entries: { staged: string | null }[] }).entries;
      const files = readdirSync(journal);
      const staged = files.filter((f) => f.startsWith('staged-')).length;
      if (files.some((f) => f.startsWith('backup-')) || staged < entries.filter((e) => e.staged !== null).length) return;
    } catch {
      // no journal yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no commit in progress under ${anchor} after ${timeoutMs} ms`);
}

describe('a file changing during the run', () => {
  test('a target created by someone else while the commit runs: exit 2, everything rolled back, their file kept', async () => {
    const w = makeWorld('changing');
    const before = snapshot(w.dir);
    const run = flexos(['rewrite', w.tree, '-c', w.config, '--in-place'], 300);
    await midCommit(w.tree);
    // deployment.json is the last target: flexos read it as absent, now it exists
    writeFileSync(join(w.tree, 'flexos', 'deployment.json'), 'edited by a human\n');
    const r = await run.done;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/flexos\/deployment\.json: changed since flexos read it \(edited during the run\?\); nothing was written — run flexos again/);
    expect(readFileSync(join(w.tree, 'flexos', 'deployment.json'), 'utf8')).toBe('edited by a human\n');
    expectUnchangedOutside(w.dir, before, ['tree/flexos']);
    expect(snapshot(join(w.tree, 'flexos'))).toEqual(new Map([['deployment.json', 'edited by a human\n']]));
    expectNoLeftovers(w.dir);
  });
});

describe('a signal during the commit', () => {
  test('SIGTERM during rewrite --in-place: exit 143, every replaced file rolled back, no temp file', async () => {
    const w = makeWorld('sigterm');
    const before = snapshot(w.dir);
    const run = flexos(['rewrite', w.tree, '-c', w.config, '--in-place'], 300);
    await midCommit(w.tree);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code).toBe(143);
    expect(r.stderr).toMatch(/flexos: .*tree: interrupted by SIGTERM; the files already replaced were rolled back, no file was changed/);
    expectUnchangedOutside(w.dir, before);
    expectNoLeftovers(w.dir);
  });

  test('SIGINT during rewrite -o: exit 130, the output directory it created is gone', async () => {
    const w = makeWorld('sigint');
    const before = snapshot(w.dir);
    const run = flexos(['rewrite', w.tree, '-c', w.config, '-o', w.out], 100);
    await midCommit(w.out);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted by SIGINT/);
    expect(existsSync(w.out)).toBe(false);
    expectUnchangedOutside(w.dir, before);
  });

  test('SIGKILL mid-commit leaves a journal; the next run rolls it back, then writes the same tree a clean run writes', async () => {
    const w = makeWorld('sigkill');
    const reference = join(w.dir, 'reference');
    cpSync(w.tree, reference, { recursive: true });
    const clean = flexos(['rewrite', reference, '-c', w.config, '--in-place'], 0);
    expect((await clean.done).code).toBe(0);
    const run = flexos(['rewrite', w.tree, '-c', w.config, '--in-place'], 300);
    await midCommit(w.tree);
    run.child.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');
    expect(existsSync(join(w.tree, '.flexos-txn', 'journal.json'))).toBe(true);
    const again = flexos(['rewrite', w.tree, '-c', w.config, '--in-place'], 0);
    const r = await again.done;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/note: .*rolled back the write of an interrupted run/);
    expect(snapshot(w.tree)).toEqual(snapshot(reference));
    expectNoLeftovers(w.dir);
  });
});
