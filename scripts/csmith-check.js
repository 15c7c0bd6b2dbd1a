#!/usr/bin/env node
// Does a (reduced) csmith program still fail the same way? The interestingness test that
// scripts/csmith-reduce.sh hands to cvise: exit 0 when PROGRAM, split with the same seed and
// library count, builds and runs as csmith wrote it (a checksum) and gives RESULT under MECHANISM
// (crash, wrong-checksum, build-error, rewrite-error, timeout, new-warning).
//
//   node scripts/csmith-check.js PROGRAM --seed S --libraries N --mechanism M --expect RESULT
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { differentialSeed } = await import(new URL('../dist/harness/csmith/differential.js', import.meta.url).href);
const [program, ...rest] = process.argv.slice(2);
const opt = (name) => {
  const i = rest.indexOf(name);
  if (i === -1) {
    console.error(`csmith-check: ${name} is required`);
    process.exit(2);
  }
  return rest[i + 1];
};
const work = mkdtempSync(join(tmpdir(), 'flexos-check-'));
try {
  const { outcome } = await differentialSeed({
    seed: Number(opt('--seed')),
    libraries: Number(opt('--libraries')),
    program: readFileSync(program, 'latin1'),
    mechanisms: [opt('--mechanism')],
    workDir: join(work, 'w'),
    timeoutMs: 5000,
  });
  const m = outcome.mechanisms[0];
  process.exitCode = outcome.status === 'ok' && m && m.result === opt('--expect') ? 0 : 1;
} catch {
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
