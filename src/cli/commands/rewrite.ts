import { basename, extname, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { analyzeTree } from '../../analyze/analyze-tree.js';
import { loadConfig } from '../../config/index.js';
import { loadCommonRuntime, loadMechanisms } from '../../config/mechanisms.js';
import { formatDiagnostic } from '../../diagnostics/diagnostic.js';
import { InputError } from '../../diagnostics/input-error.js';
import { generateDeploymentFiles } from '../../emit/deployment-files.js';
import { unifiedDiff } from '../../emit/unified-diff.js';
import { writeRewrittenTree } from '../../emit/write-tree.js';
import { loadMacroTable } from '../../parse/macro-table.js';
import { resolveDeployment } from '../../transform/deployment.js';
import { rewriteTree } from '../../transform/rewrite-tree.js';
import type { CommandOutput } from '../output.js';
import { Progress } from '../progress.js';

export interface RewriteArgs {
  tree: string;
  config: string;
  out?: string;
  inPlace?: boolean;
  diff?: boolean;
  json?: boolean;
  macros?: string[];
}

export function rewriteBuilder(y: Argv): Argv<RewriteArgs> {
  return y
    .positional('tree', { type: 'string', demandOption: true, describe: 'annotated tree (SPEC §2 placeholders)' })
    .option('config', { alias: 'c', type: 'string', demandOption: true, describe: 'deployment configuration (kraft.yaml)' })
    .option('out', { alias: 'o', type: 'string', describe: 'output directory (default: flexos-out/<config name>)' })
    .option('in-place', { type: 'boolean', describe: 'rewrite the tree itself, atomically and all-or-nothing' })
    .option('diff', { type: 'boolean', describe: 'print the source changes as a unified diff and write nothing (exit 1 when there are changes)' })
    .option('json', { type: 'boolean', describe: 'print a JSON report (files changed, diagnostics) instead of text' })
    .option('macros', { type: 'string', array: true, describe: 'extra macro table(s)' })
    .conflicts('out', 'in-place') as Argv<RewriteArgs>;
}

export function runRewrite(args: RewriteArgs, out: CommandOutput): number {
  const mechanisms = loadMechanisms();
  const config = loadConfig(args.config, { knownDrivers: [...mechanisms.keys()] });
  const progress = new Progress('rewrite');
  const extraLibraryDirs = config.libraries.flatMap((l) => (l.path ? [l.path] : []));
  const analysis = analyzeTree(args.tree, { macros: loadMacroTable(args.macros ?? []), keepParsed: true, extraLibraryDirs, onFile: (p, i, n) => progress.update(i, n, p) });
  progress.done();
  const deployment = resolveDeployment(config, analysis.libraries, mechanisms);
  const result = rewriteTree(analysis, deployment);
  const errors = [...analysis.diagnostics.filter((d) => d.severity === 'error'), ...result.diagnostics.filter((d) => d.severity === 'error')];
  const warnings = result.diagnostics.filter((d) => d.severity !== 'error');
  if (errors.length > 0) {
    for (const d of [...errors, ...warnings]) out.stderr(formatDiagnostic(d) + '\n');
    throw new InputError(`${errors.length} error(s) in the annotated tree; nothing was written`);
  }
  for (const d of warnings) out.stderr(formatDiagnostic(d) + '\n');
  const changed = result.files.filter((f) => f.changed);
  if (args.diff) {
    const text = changed.map((f) => unifiedDiff(f.path, f.original, f.output)).join('');
    if (args.json) out.stdout(JSON.stringify({ changed: changed.map((f) => f.path), diagnostics: result.diagnostics }, null, 2) + '\n');
    else out.stdout(text);
    return changed.length > 0 ? 1 : 0;
  }
  const generated = generateDeploymentFiles(analysis, deployment, mechanisms, loadCommonRuntime());
  const rewritten = new Map(result.files.map((f) => [f.path, f.output]));
  const target = args.inPlace ? ({ inPlace: true } as const) : { outDir: resolve(args.out ?? `flexos-out/${basename(args.config, extname(args.config))}`) };
  const written = writeRewrittenTree(analysis.root, target, rewritten, generated);
  const where = 'outDir' in target ? target.outDir : analysis.root;
  if (args.json) {
    out.stdout(JSON.stringify({ output: where, changed: changed.map((f) => f.path), written: written.length, diagnostics: result.diagnostics }, null, 2) + '\n');
  } else {
    out.stdout(`rewrote ${changed.length} of ${result.files.length} files for ${basename(args.config)} (${deployment.compartments.length} compartments: ${deployment.compartments.map((c) => `${c.name}=${c.mechanism.driver}`).join(', ')}; sharing ${deployment.sharing}) into ${where}\nbuild: make -C ${where} -f flexos/Makefile\n`);
  }
  return 0;
}
