import { join } from 'node:path';
import type { Argv } from 'yargs';
import { Chalk } from 'chalk';
import { analyzeTree } from '../../analyze/analyze-tree.js';
import type { Library } from '../../analyze/model.js';
import { InputError } from '../../diagnostics/input-error.js';
import { writeFileAtomic, writeFilesAtomic } from '../../emit/atomic-write.js';
import { bytesForDisplay, colorDiff, fileDiff, type FileDiff } from '../../emit/diff.js';
import { renderTable } from '../../emit/table.js';
import { loadMacroTable } from '../../parse/macro-table.js';
import type { PortResult } from '../../transform/port/model.js';
import { portTree } from '../../transform/port/port-tree.js';
import { summarizePort, type PortSummary } from '../../transform/port/summary.js';
import { processOutput, type CommandOutput } from '../output.js';
import { Progress } from '../progress.js';

export interface PortArgs {
  tree: string;
  lib?: string[];
  write?: boolean;
  patch?: string;
  json?: boolean;
  macros?: string[];
  inPlaceGates?: boolean;
}

/** What tests replace: the all-or-nothing writer and the colour decision. */
export interface PortDeps {
  writeFiles?: (files: ReadonlyMap<string, string>) => void;
  color?: boolean;
}

export function portBuilder(y: Argv): Argv<PortArgs> {
  return y
    .positional('tree', { type: 'string', demandOption: true, describe: 'root of a Unikraft-style tree (directories with Makefile.uk are libraries)' })
    .option('lib', { type: 'string', array: true, describe: 'library to port (kvs or libkvs; repeatable); default: every library' })
    .option('write', { type: 'boolean', describe: 'apply the proposed edits to the tree (all files or none)' })
    .option('patch', { type: 'string', describe: 'write the unified diff to this file instead of stdout (apply with git apply -p1 from the tree root)' })
    .option('json', { type: 'boolean', describe: 'print edits per file, the summary and the manual sites as JSON' })
    .option('macros', { type: 'string', array: true, describe: 'extra macro table(s), same format as grammars/macros.yaml' })
    .option('in-place-gates', { type: 'boolean', describe: 'gate calls in &&/||/?:, comma operands, loop conditions and unsequenced statements where they stand (a GNU statement expression) instead of listing them for a human' })
    .example('$0 port corpus/vanilla --lib kvs', 'propose the annotations for libkvs as a diff')
    .example('$0 port corpus/vanilla --write', 'annotate every library in place') as Argv<PortArgs>;
}

/** Exit 1 when something is proposed, 0 when nothing is, 2 on usage or input errors (thrown). */
export function runPort(args: PortArgs, out: CommandOutput, deps: PortDeps = {}): number {
  const progress = new Progress('port');
  const analysis = analyzeTree(args.tree, { macros: loadMacroTable(args.macros ?? []), keepParsed: true, onFile: (p, i, n) => progress.update(i, n, p) });
  progress.done();
  if (analysis.libraries.length === 0) throw new InputError(`${args.tree}: no library found (no Makefile.uk with an addlib line); pass the root of a Unikraft-style tree`);
  const libraries = args.lib && args.lib.length > 0 ? chooseLibraries(analysis.libraries, args.lib) : undefined;
  const result = portTree(analysis, { ...(libraries ? { libraries } : {}), inPlaceGates: args.inPlaceGates ?? false });
  const diffs = result.files.map((f) => fileDiff(f.path, f.before, f.after));
  const summary = summarizePort(result, new Map(diffs.map((d) => [d.path, d])));
  const patch = diffs.map((d) => d.text).join('');

  if (args.write && result.files.length > 0) {
    const writeFiles = deps.writeFiles ?? writeFilesAtomic;
    try {
      writeFiles(new Map(result.files.map((f) => [join(result.root, f.path), f.after])));
    } catch (err) {
      throw new InputError(`${args.tree}: could not write the ported files, none was changed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (args.patch !== undefined) {
    try {
      writeFileAtomic(args.patch, patch);
    } catch (err) {
      throw new InputError(`${args.patch}: cannot write the patch (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (args.json) {
    out.stdout(JSON.stringify(portJson(result, diffs, summary), null, 2) + '\n');
  } else {
    if (args.patch === undefined && patch !== '') {
      const color = deps.color ?? (out === processOutput && process.stdout.isTTY === true && !process.env.NO_COLOR);
      const text = bytesForDisplay(patch);
      out.stdout(color ? colorDiff(text, new Chalk({ level: 1 })) : text);
    }
    out.stderr(renderPortSummary(result, summary, args));
  }
  return patch === '' ? 0 : 1;
}

/** `--lib kvs` or `--lib libkvs`; an unknown name is an input error listing the known ones. */
export function chooseLibraries(libraries: readonly Library[], wanted: readonly string[]): string[] {
  const chosen = new Set<string>();
  for (const raw of wanted.flatMap((w) => w.split(','))) {
    const name = raw.trim();
    if (name === '') continue;
    const lib = libraries.find((l) => l.name === name || l.shortName === name || l.name === `lib${name}` || l.name.replace(/-/g, '') === name.replace(/-/g, ''));
    if (!lib) {
      const known = libraries.map((l) => `${l.shortName} (${l.name})`).sort();
      throw new InputError(`unknown library '${name}'; the tree has: ${known.join(', ')}`);
    }
    chosen.add(lib.name);
  }
  return [...chosen].sort();
}

function renderPortSummary(result: PortResult, summary: PortSummary, args: PortArgs): string {
  const parts: string[] = [];
  const rows = [...summary.libraries, summary.total].map((r) => [r.library, `+${r.linesAdded}/-${r.linesRemoved}`, r.gates, r.gatesR, r.sharedVariables, r.sharedLiterals, r.callbacks, r.manual]);
  parts.push(renderTable(['library', 'lines +/-', 'gates', 'gate_r', 'shared vars', 'shared literals', 'callbacks', 'manual'], rows));
  if (args.write && result.files.length > 0) parts.push(`wrote ${result.files.length} file${result.files.length === 1 ? '' : 's'} under ${result.root}`);
  if (args.patch !== undefined) parts.push(`patch: ${args.patch}${result.files.length === 0 ? ' (empty: nothing to propose)' : ` (${result.files.length} file${result.files.length === 1 ? '' : 's'}; git apply -p1 from the tree root)`}`);
  if (result.files.length === 0) parts.push('nothing to propose');
  if (result.manual.length > 0) {
    parts.push(`${result.manual.length} site${result.manual.length === 1 ? '' : 's'} left for manual porting:`);
    for (const m of result.manual) parts.push(`${m.file}:${m.line}:${m.column}: note: ${m.message} [port-manual]`);
  }
  return parts.join('\n') + '\n';
}

function portJson(result: PortResult, diffs: FileDiff[], summary: PortSummary): unknown {
  const byPath = new Map(diffs.map((d) => [d.path, d]));
  return {
    version: 1,
    root: result.root,
    libraries: result.libraries,
    files: result.files.map((f) => {
      const d = byPath.get(f.path)!;
      return {
        path: f.path,
        library: f.library,
        added: d.added,
        removed: d.removed,
        edits: f.proposals.map(({ file: _file, library: _library, ...p }) => p),
        diff: bytesForDisplay(d.text),
      };
    }),
    summary,
    manual: result.manual,
  };
}
