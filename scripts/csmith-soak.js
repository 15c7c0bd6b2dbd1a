#!/usr/bin/env node
// Soak run of the csmith differential lane (src/harness/csmith/differential.ts): many seeds,
// pass counts per mechanism. Needs `npm run build` (dist/) and scripts/setup-csmith.sh.
//
//   node scripts/csmith-soak.js [--seeds N] [--from S] [--mechanisms fcalls,vmept,intel-pku]
//                               [--small] [--keep DIR] [--csmith "--no-unions ..."]
//
// intel-pku binaries are batched into one QEMU boot per 25 seeds. Failing seeds keep their work
// directory (under --keep, default a temp dir) for reduction: scripts/csmith-reduce.sh DIR MECH.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = new URL('../dist/harness/csmith/differential.js', import.meta.url);
const { differentialSeed, runGuestJobs, csmithAvailability } = await import(dist.href).catch(() => {
  console.error('csmith-soak: dist/ is missing; run `npm run build` first');
  process.exit(2);
});

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : args[i + 1];
};
const seeds = Number(opt('--seeds', '1000'));
const from = Number(opt('--from', '1'));
const mechanisms = opt('--mechanisms', 'fcalls,vmept').split(',');
const small = args.includes('--small') ? ['--max-funcs', '4', '--max-block-depth', '2', '--max-expr-complexity', '4', '--max-block-size', '3'] : [];
const extra = opt('--csmith', '').split(' ').filter(Boolean);
const keep = opt('--keep', mkdtempSync(join(tmpdir(), 'flexos-soak-')));
const avail = csmithAvailability();
if (!avail.ok) {
  console.error(`csmith-soak: ${avail.reason}`);
  process.exit(2);
}

const counts = Object.fromEntries(mechanisms.map((m) => [m, { pass: 0, fail: 0, skipped: 0 }]));
const status = {};
const manual = {};
let gates = 0;
const failures = [];
let pending = [];
const all = [];
const flush = async () => {
  await runGuestJobs(pending);
  pending = [];
};
for (let seed = from; seed < from + seeds; seed++) {
  let r;
  try {
    r = await differentialSeed({ seed, csmithOptions: [...small, ...extra], mechanisms, workDir: join(keep, String(seed)) });
  } catch (err) {
    failures.push(`seed ${seed}: harness error: ${err.message.split('\n')[0]}`);
    continue;
  }
  const o = r.outcome;
  status[o.status] = (status[o.status] ?? 0) + 1;
  for (const [k, v] of Object.entries(o.manual)) manual[k] = (manual[k] ?? 0) + v;
  gates += o.gates;
  if (o.status === 'split-mismatch' || o.status === 'port-error') failures.push(`seed ${seed}: ${o.status}: ${o.detail.split('\n')[0]}`);
  for (const g of r.guestJobs) pending.push({ ...g, expected: o.expected });
  if (pending.length >= 25) await flush();
  all.push(o);
  if ((seed - from + 1) % 10 === 0) process.stderr.write(`csmith-soak: ${seed - from + 1}/${seeds} seeds\n`);
}
await flush();
for (const o of all) {
  if (o.status !== 'ok') continue;
  for (const m of o.mechanisms) {
    const c = counts[m.mechanism];
    if (m.result === 'pass') c.pass++;
    else if (m.result === 'skipped') c.skipped++;
    else {
      c.fail++;
      failures.push(`seed ${o.seed} ${m.mechanism}: ${m.result}: ${m.detail.split('\n')[0]} [${o.workDir}]`);
    }
  }
}
console.log(`seeds ${from}..${from + seeds - 1} (${[...small, ...extra].join(' ') || 'default csmith options'}): ${JSON.stringify(status)}`);
for (const [m, c] of Object.entries(counts)) console.log(`${m.padEnd(10)} pass ${c.pass}  fail ${c.fail}  skipped ${c.skipped}`);
console.log(`gates written by port: ${gates}; sites left to a human: ${JSON.stringify(manual)}`);
for (const f of failures) console.log(`FAIL ${f}`);
process.exitCode = failures.length > 0 ? 1 : 0;
