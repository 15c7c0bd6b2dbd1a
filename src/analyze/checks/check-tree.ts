/** `check` over a tree: analysis, then every check, with the configuration when one is given. */
import type { TreeAnalysis } from '../analyze-tree.js';
import type { Deployment } from '../../transform/deployment.js';
import { compartmentMap } from './compartments.js';
import { CheckContext } from './context.js';
import { runChecks, type CheckRun } from './index.js';

export interface CheckOptions {
  deployment?: Deployment | null;
  /** The text of a file (for quick fixes and baselines); null when unavailable. */
  text: (file: string) => string | null;
  /** Only findings in these files. */
  scope?: ReadonlySet<string> | null;
  only?: ReadonlySet<string>;
}

export function checkAnalysis(analysis: TreeAnalysis, options: CheckOptions): CheckRun {
  const ctx = new CheckContext(analysis, options.deployment ? compartmentMap(options.deployment) : null, options.text, options.scope ?? null);
  return runChecks(ctx, options.only);
}
