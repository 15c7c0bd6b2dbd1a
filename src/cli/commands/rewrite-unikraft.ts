import { readFileSync } from 'node:fs';
import { basename, extname, relative, resolve, sep } from 'node:path';
import { formatDiagnostic } from '../../diagnostics/diagnostic.js';
import { InputError } from '../../diagnostics/input-error.js';
import { fileDiff } from '../../emit/diff.js';
import { rewriteForUnikraft } from '../../emit/unikraft/unikraft-rewrite.js';
import { writeUnikraftRewrite } from '../../emit/unikraft/write.js';
import type { CommandOutput } from '../output.js';
import { Progress } from '../progress.js';
import { threadsOf } from '../jobs.js';
import type { RewriteArgs } from './rewrite-options.js';

function inside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

/** `flexos rewrite --target unikraft`: the drop-in for kraft's --compartmentalize step. */
export async function runUnikraftRewrite(args: RewriteArgs, out: CommandOutput): Promise<number> {
  const progress = new Progress('rewrite');
  const r = rewriteForUnikraft(args.tree, args.config, { ...(args.macros ? { macros: args.macros } : {}), ...(args.libs ? { libs: args.libs } : {}), ...(args.platform ? { platform: args.platform } : {}), threads: threadsOf(args.jobs), onFile: (p, i, n) => progress.update(i, n, p) });
  progress.done();
  if (r.errors.length > 0) {
    for (const d of [...r.errors, ...r.warnings]) out.stderr(formatDiagnostic(d) + '\n');
    throw new InputError(`${r.errors.length} error(s) in the annotated tree; nothing was written`);
  }
  for (const d of r.warnings) out.stderr(formatDiagnostic(d) + '\n');
  const changed = [...r.files.keys()].sort();
  if (args.diff) {
    const read = (rel: string): string => {
      const orig = r.rewrite.files.find((f) => resolve(r.layout.tree, f.path) === resolve(r.layout.workspace, rel));
      if (orig) return orig.original;
      try {
        return readFileSync(resolve(r.layout.workspace, rel), 'latin1');
      } catch {
        return '';
      }
    };
    const differing = changed.filter((rel) => read(rel) !== r.files.get(rel));
    out.stdout(differing.map((rel) => fileDiff(rel, read(rel), r.files.get(rel)!).text).join(''));
    return differing.length > 0 ? 1 : 0;
  }
  let target: { outDir: string } | { inPlace: true };
  if (args.inPlace) target = { inPlace: true };
  else {
    const outDir = resolve(args.out ?? `flexos-out/${basename(args.config, extname(args.config))}-unikraft`);
    for (const root of r.copyRoots) {
      if (inside(outDir, root) || inside(root, outDir)) throw new InputError(`--out ${outDir}: the output would overlap the input ${root}; pick a directory outside it`);
    }
    target = { outDir };
  }
  const written = await writeUnikraftRewrite(r, target);
  const where = 'outDir' in target ? target.outDir : r.layout.workspace;
  const d = r.deployment;
  const app = r.layout.app ? relative(r.layout.workspace, r.layout.app) : null;
  if (args.json) {
    out.stdout(JSON.stringify({ output: where, target: 'unikraft', changed, written: written.length, kconfig: r.kconfigPath, diagnostics: r.warnings }, null, 2) + '\n');
  } else {
    out.stdout(
      `rewrote ${r.rewrite.files.filter((f) => f.changed).length} annotated files and ${changed.length} files in all for ${basename(args.config)} ` +
        `(${d.compartments.length} compartments: ${d.compartments.map((c) => `${c.name}=${c.mechanism.driver}`).join(', ')}; sharing ${d.sharing}) into ${where}\n` +
        `configure: make -C ${resolve(where, relative(r.layout.workspace, r.layout.tree))}${app ? ` A=${resolve(where, app)}` : ''} UK_DEFCONFIG=${resolve(where, r.kconfigPath)} defconfig (add L=<libs> as your app's Makefile does)\n`,
    );
  }
  return 0;
}
