import { analyzeTree, type TreeAnalysis } from '../analyze/analyze-tree.js';
import { selectionFromConfig } from '../analyze/build-selection.js';
import { loadConfig } from '../config/index.js';
import type { DeploymentConfig } from '../config/types.js';
import { loadCommonRuntime, loadMechanisms } from '../config/mechanisms.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { InputError } from '../diagnostics/input-error.js';
import { loadMacroTable } from '../parse/macro-table.js';
import { resolveDeployment, type Deployment } from '../transform/deployment.js';
import { rewriteTree, type TreeRewrite } from '../transform/rewrite-tree.js';
import { generateDeploymentFiles, type GeneratedFiles } from './deployment-files.js';
import { writeRewrittenTree, type WriteTarget } from './write-tree.js';
import { WriteError } from './transaction.js';

/** Everything `flexos rewrite` would write for one tree and one configuration, not yet written. */
export interface DeploymentRewrite {
  analysis: TreeAnalysis;
  deployment: Deployment;
  rewrite: TreeRewrite;
  generated: GeneratedFiles;
  /** Errors of the analysis and of the rewrite: when any, nothing may be written. */
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/** Loads the configuration, analyzes the tree, rewrites it and generates the deployment files. */
export function rewriteForDeployment(tree: string, configFile: string, options: { macros?: string[]; platform?: string; threads?: number | 'auto'; onFile?: (path: string, done: number, total: number) => void } = {}): DeploymentRewrite {
  const mechanisms = loadMechanisms();
  const config = loadConfig(configFile, { knownDrivers: [...mechanisms.keys()] });
  const selection = selectionFromConfig(config, options.platform ? { platform: options.platform } : {});
  // no tree is kept: the rewrite works from the facts and the text, and parses again only the
  // few files whose whitelisted locals or callbacks it rewrites, so every file can go to a worker
  const keepNone = (): boolean => false;
  const analysis = analyzeTree(tree, { macros: loadMacroTable(options.macros ?? []), keepParsed: keepNone, threads: options.threads ?? 'auto', selection, ...(options.onFile ? { onFile: options.onFile } : {}) });
  const deployment = resolveDeployment(config, analysis.libraries, mechanisms);
  const rewrite = rewriteTree(analysis, deployment);
  const all = [...analysis.diagnostics, ...rewrite.diagnostics];
  return {
    analysis,
    deployment,
    rewrite,
    generated: generateDeploymentFiles(analysis, deployment, mechanisms, loadCommonRuntime(), rewrite.entries, rewrite.groups),
    errors: all.filter((d) => d.severity === 'error'),
    // the analysis's warnings too (unparsed regions, links): a rewrite must not be quieter than analyze
    warnings: [...configWarnings(config), ...analysis.diagnostics.filter((d) => d.severity === 'warning'), ...rewrite.diagnostics.filter((d) => d.severity !== 'error')],
  };
}

/** Keys of the configuration accepted and ignored, as warnings at their place. */
export function configWarnings(config: DeploymentConfig): Diagnostic[] {
  return config.warnings.map((w) => ({ code: 'config-ignored-key', severity: 'warning', file: w.location.file, line: w.location.line, column: w.location.column, message: w.message }));
}

/** Writes a rewrite (all-or-nothing); an I/O failure is a WriteError naming the target. */
export async function writeDeployment(r: DeploymentRewrite, target: WriteTarget): Promise<{ written: string[]; notes: string[] }> {
  const rewritten = new Map(r.rewrite.files.map((f) => [f.path, { original: f.original, output: f.output }]));
  try {
    return await writeRewrittenTree(r.analysis.root, r.analysis.libraries, target, rewritten, r.generated);
  } catch (err) {
    if (err instanceof InputError) throw err;
    const where = 'outDir' in target ? target.outDir : r.analysis.root;
    throw new WriteError(`${where}: could not write the rewritten tree, no file was changed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
