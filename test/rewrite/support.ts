import { rewriteForDeployment } from '../../src/emit/deployment-rewrite.js';

/** Rewrites a tree in memory: source outputs and generated files, keyed by relative path. */
export function rewriteInMemory(tree: string, config: string): { sources: Map<string, string>; generated: Map<string, string>; changed: string[] } {
  const r = rewriteForDeployment(tree, config);
  return {
    sources: new Map(r.rewrite.files.map((f) => [f.path, f.output])),
    generated: r.generated,
    changed: r.rewrite.files.filter((f) => f.changed).map((f) => f.path),
  };
}

export { runCli } from '../support/cli.js';

