import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeTree } from '../../src/analyze/analyze-tree.js';
import { loadConfig } from '../../src/config/index.js';
import { loadCommonRuntime, loadMechanisms } from '../../src/config/mechanisms.js';
import { generateDeploymentFiles } from '../../src/emit/deployment-files.js';
import { loadMacroTable } from '../../src/parse/macro-table.js';
import { resolveDeployment } from '../../src/transform/deployment.js';
import { rewriteTree } from '../../src/transform/rewrite-tree.js';
import { main } from '../../src/cli/main.js';

/** Rewrites a tree in memory: source outputs and generated files, keyed by relative path. */
export function rewriteInMemory(tree: string, config: string): { sources: Map<string, string>; generated: Map<string, string>; changed: string[] } {
  const mechanisms = loadMechanisms();
  const cfg = loadConfig(config, { knownDrivers: [...mechanisms.keys()] });
  const analysis = analyzeTree(tree, { macros: loadMacroTable(), keepParsed: true });
  const d = resolveDeployment(cfg, analysis.libraries, mechanisms);
  const r = rewriteTree(analysis, d);
  return {
    sources: new Map(r.files.map((f) => [f.path, f.output])),
    generated: generateDeploymentFiles(analysis, d, mechanisms, loadCommonRuntime()),
    changed: r.files.filter((f) => f.changed).map((f) => f.path),
  };
}

export async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
