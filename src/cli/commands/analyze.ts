import { selectionFromConfig } from '../../analyze/build-selection.js';
import { analyzeTree } from '../../analyze/analyze-tree.js';
import { summarize, type AnalysisSummary } from '../../analyze/summary.js';
import { formatDiagnostic } from '../../diagnostics/diagnostic.js';
import { renderTable } from '../../emit/table.js';
import { loadMacroTable } from '../../parse/macro-table.js';
import { Progress } from '../progress.js';
import { loadConfig } from '../../config/index.js';
import { loadMechanisms } from '../../config/mechanisms.js';
import { resolveDeployment } from '../../transform/deployment.js';
import type { CommandOutput } from '../output.js';
import { configWarnings } from '../../emit/deployment-rewrite.js';
import { threadsOf } from '../jobs.js';
import { type AnalyzeArgs } from './analyze-options.js';



export function runAnalyze(args: AnalyzeArgs, out: CommandOutput): number {
  const mechanisms = args.config ? loadMechanisms() : null;
  const config = args.config && mechanisms ? loadConfig(args.config, { knownDrivers: [...mechanisms.keys()] }) : null;
  for (const d of config ? configWarnings(config) : []) out.stderr(formatDiagnostic(d) + '\n');
  const progress = new Progress('analyze');
  const selection = selectionFromConfig(config, args.platform ? { platform: args.platform } : {});
  const threads = threadsOf(args.jobs);
  const analysis = analyzeTree(args.tree, { macros: loadMacroTable(args.macros ?? []), selection, threads, onFile: (p, i, n) => progress.update(i, n, p) });
  progress.done();
  const summary = summarize(analysis);
  if (config && mechanisms) {
    const deployment = resolveDeployment(config, analysis.libraries, mechanisms);
    for (const lib of summary.libraries) {
      const c = deployment.compartments[deployment.compartmentOf.get(lib.name)!]!;
      lib.compartment = { id: c.id, name: c.name, mechanism: c.mechanism.driver };
    }
  }
  if (args.json) out.stdout(JSON.stringify(summary, null, 2) + '\n');
  else out.stdout(renderSummary(summary));
  // an error-level finding (e.g. an annotation flexos cannot see) is a finding: exit 1
  return summary.diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
}

export function renderSummary(s: AnalysisSummary): string {
  const parts: string[] = [];
  parts.push(`${s.root}: ${s.libraries.length} libraries, ${s.files} files, ${s.lines} lines\n`);
  const aliases = Object.entries(s.build.aliases).map(([k, v]) => `${k} = ${v}`);
  const notBuilt = s.build.inactive.map((p) => `\n  not built: ${p.dir}${p.library ? ` (${p.library})` : ''} — ${p.reason}`);
  parts.push(`build: ${s.build.architecture}, platform ${s.build.platform}, libc ${s.build.libc}${aliases.length ? ` (${aliases.join(', ')})` : ''}${notBuilt.join('')}\n`);
  parts.push(
    renderTable(
      ['library', 'dir', 'declared by', 'files', 'lines', 'functions', 'static', 'exported', 'globals', ...(s.libraries.some((l) => l.compartment) ? ['compartment'] : [])],
      s.libraries.map((l) => [
        l.name,
        l.dir,
        l.absent ? 'configuration (not in the tree)' : l.declaredBy + (l.exportsFrom === 'all-non-static' ? ' (no exportsyms.uk)' : ''),
        l.files,
        l.lines,
        l.functions,
        l.staticFunctions,
        l.exported,
        l.globals,
        ...(l.compartment ? [`${l.compartment.id} ${l.compartment.name} (${l.compartment.mechanism})`] : []),
      ]),
    ),
  );
  parts.push('\ncalls by class: ' + Object.entries(s.callClasses).map(([k, v]) => `${k} ${v}`).join(', '));
  if (s.crossCalls.length > 0) {
    parts.push('\ncross-library calls (caller -> callee)');
    parts.push(renderTable(['caller', 'callee', 'exported', 'unexported', 'gates'], s.crossCalls.map((c) => [c.from, c.to, c.exported, c.unexported, c.gates])));
  }
  const annotated = s.annotations.filter((a) => a.gate + a.gateR + a.whitelistedGlobalsBefore + a.whitelistedGlobalsAfter + a.whitelistedLocals + a.sharedSectionGlobals + a.sharedAllocations + a.sharedLiterals + a.callbacks > 0);
  if (annotated.length > 0) {
    parts.push('\nannotations');
    parts.push(
      renderTable(
        ['library', 'gate', 'gate_r', 'wl glob (before)', 'wl glob (after)', 'wl locals', '.data_shared', 'shared alloc', 'shared lit', 'callbacks'],
        annotated.map((a) => [a.library, a.gate, a.gateR, a.whitelistedGlobalsBefore, a.whitelistedGlobalsAfter, a.whitelistedLocals, a.sharedSectionGlobals, a.sharedAllocations, a.sharedLiterals, a.callbacks]),
      ),
    );
  }
  const crossing = s.functionAddresses.filter((f) => f.handedTo !== null && f.handedTo !== f.library);
  if (crossing.length > 0) {
    parts.push('\nfunction addresses handed to another library');
    parts.push(renderTable(['function', 'defined in', 'handed to', 'at'], crossing.map((f) => [f.function, f.library ?? '-', f.handedTo ?? '-', `${f.file}:${f.line}:${f.column}`])));
  }
  parts.push(`\naddresses of variables passed as arguments: ${s.addressArguments.total} (${s.addressArguments.crossLibrary} across libraries)`);
  parts.push(`unparsed regions: ${s.unparsed.length}`);
  for (const d of s.diagnostics) parts.push(formatDiagnostic(d));
  return parts.join('\n') + '\n';
}
