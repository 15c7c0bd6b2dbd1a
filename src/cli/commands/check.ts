import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import { analyzeTree } from '../../analyze/analyze-tree.js';
import { selectionFromConfig } from '../../analyze/build-selection.js';
import { loadProjectFile } from '../../config/project.js';
import { asBaseline, makeBaseline, newFindings } from '../../analyze/checks/baseline.js';
import { checkAnalysis } from '../../analyze/checks/check-tree.js';
import { CHECKS } from '../../analyze/checks/index.js';
import type { Finding } from '../../analyze/checks/model.js';
import { ANALYSIS_CODES } from '../../analyze/checks/unparsed-region.js';
import { positionOf } from '../../analyze/facts.js';
import { toPosix } from '../../analyze/libraries.js';
import { loadConfig } from '../../config/index.js';
import { loadMechanisms } from '../../config/mechanisms.js';
import { InputError } from '../../diagnostics/input-error.js';
import { writeFileAtomic } from '../../emit/atomic-write.js';
import { renderGcc, renderJson, renderSarif, renderTotals, type CheckReport } from '../../emit/check-report.js';
import { loadMacroTable } from '../../parse/macro-table.js';
import { resolveDeployment } from '../../transform/deployment.js';
import type { CommandOutput } from '../output.js';
import { Progress } from '../progress.js';
import { threadsOf } from '../jobs.js';
import { type CheckArgs } from './check-options.js';




/** Exit 0 when nothing (new) is found, 1 on errors or warnings, 2 on usage or input errors (thrown). */
export function runCheck(args: CheckArgs, out: CommandOutput): number {
  const paths = (args.paths && args.paths.length > 0 ? args.paths : ['.']).map((p) => resolvePath(p));
  for (const p of paths) if (!existsSync(p)) throw new InputError(`${p}: no such file or directory; name files or directories of the tree to check`);
  if (args['update-baseline'] && !args.baseline) throw new InputError('--update-baseline needs --baseline FILE (where to write the findings)');
  const only = args.only && args.only.length > 0 ? new Set(args.only) : undefined;
  if (only) {
    const known = new Set([...CHECKS.map((c) => c.code), ...ANALYSIS_CODES.map((c) => c.code)]);
    for (const c of only) if (!known.has(c)) throw new InputError(`--only ${c}: no such check; codes: ${[...known].join(', ')}`);
  }
  const threads = threadsOf(args.jobs);
  const root = args.root ? resolvePath(args.root) : treeRoot(paths);
  const mechanisms = args.config ? loadMechanisms() : null;
  const config = args.config && mechanisms ? loadConfig(args.config, { knownDrivers: [...mechanisms.keys()] }) : null;
  const progress = new Progress('check');
  const selection = selectionFromConfig(config, args.platform ? { platform: args.platform } : {});
  const project = loadProjectFile(root, args.project);
  const analysis = analyzeTree(root, { macros: loadMacroTable(args.macros ?? []), selection, threads, ...(project ? { project } : {}), onFile: (p, i, n) => progress.update(i, n, p) });
  progress.done();
  const deployment = config && mechanisms ? resolveDeployment(config, analysis.libraries, mechanisms) : null;
  const texts = new Map<string, string | null>();
  const text = (file: string): string | null => {
    if (!texts.has(file)) {
      try {
        texts.set(file, readFileSync(join(root, file), 'latin1'));
      } catch {
        texts.set(file, null);
      }
    }
    return texts.get(file)!;
  };
  const wanted = paths.map((p) => toPosix(relative(root, p)));
  const inPaths = (file: string): boolean => wanted.some((w) => w === '' || file === w || file.startsWith(w + '/'));
  const scope = new Set(analysis.index.files.map((f) => f.path).filter(inPaths));
  const checkedFiles = scope.size;
  // the files of the paths that could not be analysed (unreadable, links that loop…) are in
  // scope too, so that their findings are reported, not dropped for want of facts
  for (const d of analysis.diagnostics) if (inPaths(d.file)) scope.add(d.file);
  const run = checkAnalysis(analysis, { deployment, text, scope, ...(only ? { only } : {}) });
  const lineText = (f: Finding): string => {
    const t = text(f.file);
    if (t === null) return '';
    const facts = analysis.index.file(f.file);
    const start = facts ? facts.lineStarts[f.line - 1] ?? 0 : 0;
    const nl = t.indexOf('\n', start);
    return t.slice(start, nl === -1 ? t.length : nl);
  };
  let findings = run.findings.filter((f) => inPaths(f.file));
  let baselined = 0;
  if (args.baseline && args['update-baseline']) {
    try {
      writeFileAtomic(args.baseline, JSON.stringify(makeBaseline(findings, lineText), null, 2) + '\n');
    } catch (err) {
      throw new InputError(`${args.baseline}: cannot write the baseline (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    out.stderr(`flexos check: wrote ${findings.length} findings to ${args.baseline}\n`);
    return 0;
  }
  if (args.baseline) {
    const baseline = readBaseline(args.baseline);
    const split = newFindings(findings, baseline, lineText);
    findings = split.fresh;
    baselined = split.known;
  }
  const report: CheckReport = { root, configuration: args.config ?? null, files: checkedFiles, findings, suppressed: run.suppressed, baselined };
  const position = (file: string, offset: number) => {
    const facts = analysis.index.file(file);
    return facts ? positionOf(facts, offset) : { line: 1, column: 1 };
  };
  if (args.format === 'json') out.stdout(renderJson(report, position));
  else if (args.format === 'sarif') out.stdout(renderSarif(report, position, packageVersion()));
  else out.stdout(renderGcc(report));
  out.stderr(renderTotals(report));
  return findings.some((f) => f.severity !== 'note') ? 1 : 0;
}

function readBaseline(path: string) {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`${path}: cannot read the baseline; create it with --baseline ${path} --update-baseline`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new InputError(`${path}: not JSON (${(err as Error).message}); recreate it with --update-baseline`);
  }
  const b = asBaseline(parsed);
  if (!b) throw new InputError(`${path}: not a flexos check baseline (expected {"version": 1, "findings": [...]}); recreate it with --update-baseline`);
  return b;
}

/**
 * The tree holding the paths: a directory given is the root; for files, the directory above the
 * outermost library (Makefile.uk) that holds them.
 */
function treeRoot(paths: string[]): string {
  if (paths.length === 1 && statSync(paths[0]!).isDirectory()) return paths[0]!;
  const roots = paths.map((p) => {
    let dir = statSync(p).isDirectory() ? p : dirname(p);
    let root = dir;
    while (dirname(dir) !== dir) {
      if (existsSync(join(dir, 'Makefile.uk'))) root = dirname(dir);
      dir = dirname(dir);
    }
    return root;
  });
  let common = roots[0]!;
  for (const r of roots) while (r !== common && !r.startsWith(common + '/')) common = dirname(common);
  return common;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
