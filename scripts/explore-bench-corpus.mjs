#!/usr/bin/env node
// A measuring command for `flexos explore --measure`: rewrite TREE for the kraft.yaml CONFIG,
// build it and run its benchmark with the e2e harness (src/harness/e2e.ts), print ops/s.
//   node scripts/explore-bench-corpus.mjs TREE CONFIG [ITERATIONS]
// Prints `checksum: 0x…` and, last, `ops/s: N` (all operations of `app --bench` over their time).
// Exit 1 when the build fails, the run fails or prints no checksum, or one other than
// $FLEXOS_EXPECT_CHECKSUM when that is set (a wrong build is no measurement).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [tree, config, iterations = '200'] = process.argv.slice(2);
if (!tree || !config) {
  console.error('usage: explore-bench-corpus.mjs TREE CONFIG [ITERATIONS]');
  process.exit(2);
}
const { rewriteAndBuild, runNative, checksumOf } = await import(new URL('../dist/harness/e2e.js', import.meta.url).href);
const work = mkdtempSync(join(tmpdir(), 'flexos-explore-bench-'));
try {
  const built = await rewriteAndBuild(tree, config, join(work, 'out'));
  const run = runNative(built.binary, ['--bench', iterations], 120_000);
  const checksum = checksumOf(run.stdout);
  if (run.exitCode !== 0 || checksum === null) {
    console.error(`run failed (exit ${run.exitCode}):\n${run.stdout.split('\n').slice(-5).join('\n')}`);
    process.exit(1);
  }
  let ops = 0n, ns = 0n;
  for (const m of run.stdout.matchAll(/\((\d+) ops in (\d+) ns\)/g)) (ops += BigInt(m[1])), (ns += BigInt(m[2]));
  if (ns === 0n) {
    console.error('the benchmark printed no `(N ops in T ns)` lines');
    process.exit(1);
  }
  const expected = process.env.FLEXOS_EXPECT_CHECKSUM;
  if (expected && checksum !== expected) {
    console.error(`checksum ${checksum} differs from the expected ${expected}: the deployment computes something else`);
    process.exit(1);
  }
  console.log(`checksum: ${checksum}`);
  console.log(`ops/s: ${(Number(ops) * 1e9) / Number(ns)}`);
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
} finally {
  rmSync(work, { recursive: true, force: true });
}
