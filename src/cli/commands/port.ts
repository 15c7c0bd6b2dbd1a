import { resolve } from 'node:path';
import { Chalk } from 'chalk';
import { analyzeTree } from '../../analyze/analyze-tree.js';
import { selectionFromConfig } from '../../analyze/build-selection.js';
import { loadConfig } from '../../config/index.js';
import { loadMechanisms } from '../../config/mechanisms.js';
import { loadProjectFile } from '../../config/project.js';
import type { Library } from '../../analyze/model.js';
import { InputError } from '../../diagnostics/input-error.js';
import { FILE_ENCODING, writeFileAtomic } from '../../emit/atomic-write.js';
import { commitChanges, recoverInterrupted } from '../../emit/transaction.js';
import { realTarget } from '../../emit/write-tree.js';
import { bytesForDisplay, colorDiff, fileDiff, type FileDiff } from '../../emit/diff.js';
import { renderTable } from '../../emit/table.js';
import { isOutsideTree } from '../../emit/output-layout.js';
import { loadMacroTable } from '../../parse/macro-table.js';
import type { PortResult } from '../../transform/port/model.js';
import { portTree } from '../../transform/port/port-tree.js';
import { summarizePort, type PortSummary } from '../../transform/port/summary.js';
import { processOutput, type CommandOutput } from '../output.js';
import { Progress } from '../progress.js';
import { threadsOf } from '../jobs.js';
import { type PortArgs } from './port-options.js';
export type { PortArgs } from './port-options.js';


/** What tests replace: the all-or-nothing writer and the colour decision. */
export interface PortDeps {
  writeFiles?: (root: string, files: readonly PortedFile[]) => Promise<string[]>;
  color?: boolean;
}


/** Exit 1 when something is proposed, 0 when nothing is, 2 on usage or input errors (thrown). */
/** One file `port --write` replaces: what was read and what replaces it (latin1 strings). */
export interface PortedFile {
  path: string;
  before: string;
  after: string;
}

/** The ported files, all or none, each checked unchanged since it was read (emit/transaction.ts). */
export function writePortedFiles(root: string, files: readonly PortedFile[]): Promise<string[]> {
  return commitChanges(
    root,
    files.map((f) => ({ path: realTarget(root, f.path), content: Buffer.from(f.after, FILE_ENCODING), expected: Buffer.from(f.before, FILE_ENCODING) })),
  );
}

export async function runPort(args: PortArgs, out: CommandOutput, deps: PortDeps = {}): Promise<number> {
  if (args.write) {
    // a port --write killed mid-write is rolled back before the tree is read again
    const note = recoverInterrupted(resolve(args.tree));
    if (note) out.stderr(`flexos: note: ${note}\n`);
  }
  const progress = new Progress('port');
  const config = args.config ? loadConfig(args.config, { knownDrivers: [...loadMechanisms().keys()] }) : null;
  const selection = selectionFromConfig(config, args.platform ? { platform: args.platform } : {});
  const project = loadProjectFile(args.tree, args.project);
  const threads = threadsOf(args.jobs);
  const wanted = libraryNames(args.lib ?? []);
  // the ported libraries' trees are edited: kept; the others' are read for a few questions only
  const keepParsed = wanted.length === 0 ? true : (lib: Library | null) => lib !== null && wanted.some((name) => libraryIs(lib, name));
  const analysis = analyzeTree(args.tree, { macros: loadMacroTable(args.macros ?? []), keepParsed, threads, selection, ...(project ? { project } : {}), onFile: (p, i, n) => progress.update(i, n, p) });
  progress.done();
  if (analysis.libraries.length === 0) throw new InputError(`${args.tree}: no library found (no Makefile.uk with an addlib line); pass the root of a Unikraft-style tree`);
  const libraries = args.lib && args.lib.length > 0 ? chooseLibraries(analysis.libraries, args.lib) : undefined;
  const result = portTree(analysis, { ...(libraries ? { libraries } : {}), inPlaceGates: args.inPlaceGates ?? false });
  const diffs = result.files.map((f) => fileDiff(f.path, f.before, f.after));
  const summary = summarizePort(result, new Map(diffs.map((d) => [d.path, d])));
  const patch = diffs.map((d) => d.text).join('');

  if (args.write && result.files.length > 0) {
    const outside = result.files.find((f) => isOutsideTree(f.path));
    if (outside) throw new InputError(`${outside.path}: outside the tree ${result.root}; port --write changes only the tree (nothing was written)`);
    const notes = await (deps.writeFiles ?? writePortedFiles)(result.root, result.files);
    for (const n of notes) out.stderr(`flexos: note: ${n}\n`);
  }
  if (args.patch !== undefined) {
    try {
      writeFileAtomic(args.patch, patch);
    } catch (err) {
      throw new InputError(`${args.patch}: cannot write the patch (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (args.json) {
    out.stdout(JSON.stringify(portJson(result, diffs, summary, args.explain === true), null, 2) + '\n');
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

/** Does a name given on the command line (kvs, libkvs, lib-kvs) mean this library? */
function libraryIs(lib: Library, name: string): boolean {
  return lib.name === name || lib.shortName === name || lib.name === `lib${name}` || lib.name.replace(/-/g, '') === name.replace(/-/g, '');
}

/** The names `--lib` gives (repeated, or comma-separated). */
function libraryNames(wanted: readonly string[]): string[] {
  return wanted.flatMap((w) => w.split(',')).map((w) => w.trim()).filter((w) => w !== '');
}

/** `--lib kvs` or `--lib libkvs`; an unknown name is an input error listing the known ones. */
export function chooseLibraries(libraries: readonly Library[], wanted: readonly string[]): string[] {
  const chosen = new Set<string>();
  for (const name of libraryNames(wanted)) {
    const lib = libraries.find((l) => libraryIs(l, name));
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
  const gated = result.decisions.filter((d) => d.needed).length;
  parts.push(`${result.decisions.length} call${result.decisions.length === 1 ? '' : 's'} into other libraries' code: ${gated} need a gate, ${result.decisions.length - gated} run safely in the caller's domain${args.explain ? '' : ' (--explain lists each with its reason)'}`);
  if (args.explain) {
    for (const d of result.decisions) parts.push(`${d.file}:${d.line}:${d.column}: note: ${d.callee}() → ${d.domain}: ${d.needed ? 'gate' : 'no gate'} — ${d.reason} [${d.needed ? 'needs-gate' : 'no-gate'}]`);
  }
  if (result.manual.length > 0) {
    parts.push(`${result.manual.length} site${result.manual.length === 1 ? '' : 's'} left for manual porting:`);
    for (const m of result.manual) parts.push(`${m.file}:${m.line}:${m.column}: note: ${m.message} [port-manual]`);
  }
  return parts.join('\n') + '\n';
}

function portJson(result: PortResult, diffs: FileDiff[], summary: PortSummary, explain: boolean): unknown {
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
    ...(explain ? { decisions: result.decisions } : {}),
  };
}
