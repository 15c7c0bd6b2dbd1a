import { basename, extname, resolve } from 'node:path';
import { Chalk } from 'chalk';
import { formatDiagnostic } from '../../diagnostics/diagnostic.js';
import { InputError } from '../../diagnostics/input-error.js';
import { bytesForDisplay, colorDiff, fileDiff } from '../../emit/diff.js';
import { rewriteForDeployment, writeDeployment } from '../../emit/deployment-rewrite.js';
import { checkOutputOutsideTree, type WriteTarget } from '../../emit/write-tree.js';
import { recoverInterrupted } from '../../emit/transaction.js';
import { processOutput, type CommandOutput } from '../output.js';
import { Progress } from '../progress.js';
import { runUnikraftRewrite } from './rewrite-unikraft.js';
import { threadsOf } from '../jobs.js';
import { type RewriteArgs } from './rewrite-options.js';
export type { RewriteArgs } from './rewrite-options.js';



export async function runRewrite(args: RewriteArgs, out: CommandOutput): Promise<number> {
  if (args.target === 'unikraft') return runUnikraftRewrite(args, out);
  const target = writeTarget(args);
  // a run killed mid-write is rolled back before anything is read, so the analysis sees the tree as it was
  if (!args.diff) {
    const note = recoverInterrupted('outDir' in target ? target.outDir : resolve(args.tree));
    if (note) out.stderr(`flexos: note: ${note}\n`);
  }
  const threads = threadsOf(args.jobs);
  const progress = new Progress('rewrite');
  const r = rewriteForDeployment(args.tree, args.config, { ...(args.macros ? { macros: args.macros } : {}), ...(args.platform ? { platform: args.platform } : {}), threads, onFile: (p, i, n) => progress.update(i, n, p) });
  progress.done();
  if (r.errors.length > 0) {
    for (const d of [...r.errors, ...r.warnings]) out.stderr(formatDiagnostic(d) + '\n');
    throw new InputError(`${r.errors.length} error(s) in the annotated tree; nothing was written`, [...r.errors, ...r.warnings]);
  }
  for (const d of r.warnings) out.stderr(formatDiagnostic(d) + '\n');
  const changed = r.rewrite.files.filter((f) => f.changed);
  if (args.diff) {
    if (args.json) out.stdout(JSON.stringify({ changed: changed.map((f) => f.path), diagnostics: r.rewrite.diagnostics }, null, 2) + '\n');
    else {
      const text = bytesForDisplay(changed.map((f) => fileDiff(f.path, f.original, f.output).text).join(''));
      const color = out === processOutput && process.stdout.isTTY === true && !process.env.NO_COLOR;
      out.stdout(color ? colorDiff(text, new Chalk({ level: 1 })) : text);
    }
    return changed.length > 0 ? 1 : 0;
  }
  const { written, notes } = await writeDeployment(r, target);
  for (const n of notes) out.stderr(`flexos: note: ${n}\n`);
  const where = 'outDir' in target ? target.outDir : r.analysis.root;
  const d = r.deployment;
  if (args.json) {
    out.stdout(JSON.stringify({ output: where, changed: changed.map((f) => f.path), written: written.length, diagnostics: r.rewrite.diagnostics }, null, 2) + '\n');
  } else {
    out.stdout(`rewrote ${changed.length} of ${r.rewrite.files.length} files for ${basename(args.config)} (${d.compartments.length} compartments: ${d.compartments.map((c) => `${c.name}=${c.mechanism.driver}`).join(', ')}; sharing ${d.sharing}) into ${where}\nbuild: make -C ${where} -f flexos/Makefile\n`);
  }
  return 0;
}

/** Where the rewrite goes; checked before any work so that a bad -o costs nothing. */
function writeTarget(args: RewriteArgs): WriteTarget {
  if (args.diff) return { inPlace: true };
  if (args.inPlace) return { inPlace: true };
  if (args.out !== undefined && args.out.trim() === '') throw new InputError('-o needs a directory (e.g. -o flexos-out/mydeployment); with no value it would write into the current directory');
  const outDir = resolve(args.out ?? `flexos-out/${basename(args.config, extname(args.config))}`);
  checkOutputOutsideTree(args.tree, outDir, args.out === undefined ? `the default output ${outDir} (no -o)` : `-o ${outDir}`);
  return { outDir };
}
