import { readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import yargs from 'yargs';
import { InputError, InterruptedError } from '../diagnostics/input-error.js';
// a command's options are read up front; the command itself (and what it needs: the analysis,
// the explorer, the language server) is loaded only when it runs
import { analyzeBuilder, type AnalyzeArgs } from './commands/analyze-options.js';
import { rewriteBuilder, type RewriteArgs } from './commands/rewrite-options.js';
import { e2eBuilder, type E2EArgs } from './commands/e2e-options.js';
import { portBuilder, type PortArgs } from './commands/port-options.js';
import { checkBuilder, type CheckArgs } from './commands/check-options.js';
import { exploreBuilder, type ExploreArgs } from './commands/explore-options.js';
import { processOutput, type CommandOutput } from './output.js';

/** Exit codes: 0 ok, 1 findings or differences where asked, 2 usage or input error. */
export const EXIT = { ok: 0, findings: 1, input: 2 } as const;

/** Errors the user can act on: one line, no stack trace. */
function userMessage(err: unknown): string | null {
  if (err instanceof InputError) return err.message;
  if (err instanceof Error && err.name === 'ConfigError') return err.message;
  return fileSystemMessage(err);
}

/** What an operating-system error on a path means, and what to do about it. */
const FS_ERRORS: Record<string, string> = {
  EACCES: 'permission denied; check its permissions',
  EPERM: 'operation not permitted; check its permissions and attributes',
  EISDIR: 'is a directory where a file was expected; remove or rename it',
  ENOTDIR: 'a part of this path is not a directory; check the path',
  ENOENT: 'no such file or directory; check the path',
  ELOOP: 'too many levels of symbolic links (a link loop?); fix or remove the link',
  ENAMETOOLONG: 'the path is too long; shorten it',
  EMFILE: 'too many open files; raise the limit (ulimit -n)',
  ENOSPC: 'no space left on the device; free some space',
  EROFS: 'read-only file system; choose a writable place',
  EIO: 'input/output error; check the device',
};

function fileSystemMessage(err: unknown): string | null {
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || typeof e.code !== 'string' || !(e.code in FS_ERRORS)) return null;
  return `${e.path ?? '(unknown path)'}: ${FS_ERRORS[e.code]} (${e.code}); nothing was written`;
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** A JSON error object for `--json` runs: scripts read stdout, never a half-printed report. */
function jsonError(message: string, code: number, err: unknown): string {
  const diagnostics = err instanceof InputError ? err.diagnostics : undefined;
  return JSON.stringify({ error: { message, exitCode: code, ...(diagnostics ? { diagnostics } : {}) } }, null, 2) + '\n';
}

export async function main(argv: string[], out: CommandOutput = processOutput): Promise<number> {
  let code: number = EXIT.ok;
  // yargs keeps going after a non-throwing .fail(): never run a command whose arguments failed
  let usageFailed = false;
  const wantsJson = argv.includes('--json');
  const guard = (run: () => number | Promise<number>) => async () => {
    if (usageFailed) return;
    try {
      code = await run();
    } catch (err) {
      const message = userMessage(err);
      code = err instanceof InterruptedError ? 128 + (osConstants.signals[err.signal] ?? 15) : EXIT.input;
      const text = message ?? `internal error: ${err instanceof Error ? err.message : String(err)} (please report it with the command line)`;
      out.stderr(`flexos: ${text}\n`);
      if (wantsJson) out.stdout(jsonError(text, code, err));
    }
  };
  const parser = yargs(argv)
    .scriptName('flexos')
    .usage('$0 <command> [options]\n\nOS isolation as a build-time choice: analyze, port and rewrite Unikraft-style C, then build and run it per deployment.')
    .command<AnalyzeArgs>('analyze <tree>', 'libraries, symbols, cross-library calls, annotations and unparsed regions of a tree', analyzeBuilder, (args) =>
      guard(async () => (await import('./commands/analyze.js')).runAnalyze(args, out))(),
    )
    .command<PortArgs>('port <tree>', 'propose the annotations that port unported libraries (gates, whitelists, shared literals, callbacks) as a diff', portBuilder, (args) =>
      guard(async () => (await import('./commands/port.js')).runPort(args, out))(),
    )
    .command<RewriteArgs>('rewrite <tree>', 'rewrite an annotated tree for one deployment configuration (gates, shared data, linker script, build)', rewriteBuilder, (args) =>
      guard(async () => (await import('./commands/rewrite.js')).runRewrite(args, out))(),
    )
    .command<CheckArgs>('check [paths..]', 'boundary-aware diagnostics (ungated calls, wrong gates, unshared data crossing, oversharing…) as gcc lines, JSON or SARIF', checkBuilder, (args) =>
      guard(async () => (await import('./commands/check.js')).runCheck(args, out))(),
    )
    .command('lsp', 'language server over stdio: the check diagnostics in an editor, with quick fixes and hover', (y) => y.option('stdio', { type: 'boolean', describe: 'talk over stdin/stdout (the only transport; accepted for clients that pass it)' }), () =>
      guard(async () => (await import('./commands/lsp.js')).runLsp())(),
    )
    .command<E2EArgs>('e2e <tree>', 'rewrite, build and run a tree for each configuration and compare with its plain build', e2eBuilder, (args) =>
      guard(async () => (await import('./commands/e2e.js')).runE2E(args, out))(),
    )
    .command<ExploreArgs>('explore [space]', 'the configuration space: enumerate, order by safety, measure (or replay), find the safest configurations under a budget, draw', exploreBuilder, (args) =>
      guard(async () => (await import('./commands/explore.js')).runExplore(args, out))(),
    )
    .demandCommand(1, 'name a command: analyze')
    .strict()
    .help()
    .alias('h', 'help')
    .version(version())
    .alias('V', 'version')
    .wrap(null)
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      if (usageFailed) return; // report the first usage error only
      usageFailed = true;
      out.stderr(`flexos: ${msg}\nRun 'flexos --help' for usage.\n`);
      code = EXIT.input;
      if (wantsJson) out.stdout(jsonError(msg, code, null));
    });
  try {
    await parser.parseAsync();
  } catch (err) {
    const message = userMessage(err) ?? (err instanceof Error ? err.message : String(err));
    out.stderr(`flexos: ${message}\n`);
    return EXIT.input;
  }
  return code;
}
