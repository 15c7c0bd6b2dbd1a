/**
 * Test helper: turns a fixture under test/runtime/fixtures/<name>/ into a built deployment the
 * way the generated output will look (CONTRACTS §3): include/flexos/ with isolation.h and the
 * runtime headers, runtime/*.c, deployment.c, flexos_extra.ld from rules/common's template, the
 * libraries compiled to build/<lib>/*.o so the linker patterns match, linked into build/app.
 *
 * Fixture sources are already rewritten except for placeholders filled in per deployment:
 * `@id:<lib>@` (libX's compartment id), `@g:<from>:<to>@` (gate infix for a call libX → libY:
 * nop inside one compartment, else the stronger mechanism's `gate` from its mechanism.yaml) and
 * `@grp:<lib>:<lib>…@` (the shared-heap group of those libraries' compartments, as the rewrite
 * names it: `__flexos_group_<ids>`, or 0 when that is every compartment).
 * Fixture directories not assigned to any compartment (e.g. support/) are trusted code.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { entriesHeader, entriesSource } from '../../src/emit/entry-files.js';
import { EntryTable } from '../../src/transform/entries.js';
import { groupsHeader, groupsSource } from '../../src/emit/group-files.js';
import { groupName, maskOfGroupName } from '../../src/transform/shared-groups.js';
import { mechanismIdDefines, mechanismsSource } from '../../src/emit/mechanism-files.js';

const run = promisify(execFile);

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RULES = join(ROOT, 'rules');
export const FIXTURES = join(ROOT, 'test', 'runtime', 'fixtures');

export type MechanismName = 'fcalls' | 'intel-pku' | 'vmept';
export type Sharing = 'shared-stack' | 'dss' | 'heap';

export interface Mechanism {
  dir: string;
  driver: string;
  gate: string;
  strength: number;
  headers: string[];
  sources: string[];
  cflags: string[];
  ldflags: string[];
  needs: string[];
  always: boolean;
  hooks: string | null;
  binaryCheck: string | null;
  binaryCheckAllow: string[];
}

export interface CompartmentSpec {
  name: string;
  mechanism: MechanismName;
  libs: string[];
}

export interface DeploymentSpec {
  /** unique label: the build directory is build/test-runtime/<tag>.<pid> */
  tag: string;
  fixture: string;
  compartments: CompartmentSpec[];
  sharing: Sharing;
  defaultCompartment?: number;
  static?: boolean;
  extraCflags?: string[];
}

/**
 * A fresh directory build/test-runtime/<tag>.<pid> for this process (several test runs may share
 * the checkout); directories of earlier, finished runs of the same tag are removed.
 */
function workDir(tag: string): string {
  const base = join(ROOT, 'build', 'test-runtime');
  mkdirSync(base, { recursive: true });
  for (const d of readdirSync(base)) {
    const m = /^(.*)\.(\d+)$/.exec(d);
    if (!m || m[1] !== tag) continue;
    const pid = Number(m[2]);
    let alive = pid !== process.pid;
    try {
      if (alive) process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive) rmSync(join(base, d), { recursive: true, force: true });
  }
  return join(base, `${tag}.${process.pid}`);
}

/** Every rules/<dir>/mechanism.yaml, by driver name. */
export function loadMechanisms(): Map<string, Mechanism> {
  const out = new Map<string, Mechanism>();
  for (const dir of readdirSync(RULES)) {
    const file = join(RULES, dir, 'mechanism.yaml');
    if (!existsSync(file)) continue;
    const y = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const list = (k: string): string[] => (Array.isArray(y[k]) ? (y[k] as unknown[]).map(String) : []);
    out.set(String(y.driver), {
      dir: join(RULES, dir),
      driver: String(y.driver),
      gate: String(y.gate),
      strength: Number(y.strength),
      headers: list('headers'),
      sources: list('sources'),
      cflags: list('cflags'),
      ldflags: list('ldflags'),
      needs: list('needs'),
      always: y.always === true,
      hooks: typeof y.hooks === 'string' ? y.hooks : null,
      binaryCheck: typeof y.binary_check === 'string' ? join(RULES, dir, y.binary_check) : null,
      binaryCheckAllow: list('binary_check_allow'),
    });
  }
  return out;
}

/** Fills the {{#compartments}}…{{/compartments}} / {{#libraries}}…{{/libraries}} blocks. */
export function renderLinkerScript(template: string, compartments: { id: number; name: string; libs: string[] }[]): string {
  const block = (text: string, tag: string, items: Record<string, string>[], inner?: (s: string, i: number) => string) =>
    text.replace(new RegExp(`\\{\\{#${tag}\\}\\}\\n([\\s\\S]*?)\\{\\{/${tag}\\}\\}\\n`, 'g'), (_m, body: string) =>
      items
        .map((item, i) => {
          const b = inner ? inner(body, i) : body;
          return b.replace(/\{\{(\w+)\}\}/g, (m, k: string) => item[k] ?? m);
        })
        .join(''),
    );
  return block(
    template,
    'compartments',
    compartments.map((c) => ({ id: String(c.id), name: c.name })),
    (body, i) => block(body, 'libraries', compartments[i]!.libs.map((lib) => ({ lib }))),
  );
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p).map((f) => join(e.name, f)));
    else out.push(e.name);
  }
  return out;
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function gcc(args: string[], cwd: string): Promise<void> {
  try {
    await run('gcc', args, { cwd, maxBuffer: 16 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`gcc ${args.join(' ')}\n${err.stderr ?? err.message}`);
  }
}

/**
 * Which parameters are pointers, per function, from the prototypes in a fixture's headers
 * (`long b_copy(char *dst, const char *src, long n);`): what the rewriter knows from the analysis.
 */
function pointerMasksOf(fixture: string): Map<string, number> {
  const masks = new Map<string, number>();
  for (const rel of listFiles(fixture).filter((f) => f.endsWith('.h'))) {
    for (const m of readFileSync(join(fixture, rel), 'utf8').matchAll(/^[\w\s*]*?\b(\w+)\(([^()]*)\);/gm)) {
      const params = m[2]!.trim() === 'void' ? [] : splitArgs(m[2]!);
      masks.set(m[1]!, params.reduce((mask, p, i) => (p.includes('*') || p.includes('[') ? mask | (1 << i) : mask), 0));
    }
  }
  return masks;
}

/** Splits a C argument list at its top-level commas (fixture gate calls only). */
function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    if (ch === ')' || ch === ']' || ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/**
 * The entry table the rewriter would generate for an already rewritten fixture: every
 * isolating gate `flexos_<m>_gate[_r](from, to, [ret,] f, a…)` makes f an entry of `to` with
 * the call's argument count (pointer arguments are not known here: mask 0); a fixture marks a
 * static callee with FLEXOS_ENTRY_ALIAS(f) as the rewriter does.
 */
export function collectEntries(text: string, entries: EntryTable, where: string): void {
  const gate = /\bflexos_(\w+?)_gate(_r)?\(/g;
  const defines = new Map([...text.matchAll(/^#define (\w+) (\d+)$/gm)].map((m) => [m[1]!, m[2]!])); // `#define B 1`
  for (let m; (m = gate.exec(text)); ) {
    if (m[1] === 'nop') continue;
    let depth = 1;
    let i = gate.lastIndex;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === '(') depth++;
      if (text[i] === ')') depth--;
    }
    const args = splitArgs(text.slice(gate.lastIndex, i - 1));
    const [from, to] = [Number(defines.get(args[0]!) ?? args[0]), Number(defines.get(args[1]!) ?? args[1])];
    const rest = args.slice(m[2] ? 3 : 2);
    const name = rest[0]!;
    const viaAlias = new RegExp(`FLEXOS_ENTRY_ALIAS\\(${name}\\)`).test(text);
    const conflict = entries.add({ name, compartment: to, arity: rest.length - 1, pointerArgs: entries.pointerMaskHint(name), viaAlias }, from);
    if (conflict) throw new Error(`${where}: ${conflict}`);
  }
}

/** Builds the deployment and returns the path of the linked program. */
export async function buildDeployment(spec: DeploymentSpec): Promise<string> {
  const mechs = loadMechanisms();
  const out = workDir(spec.tag);
  const compOf = new Map<string, number>();
  spec.compartments.forEach((c, i) => c.libs.forEach((l) => compOf.set(l, i)));
  const mechOf = (i: number): Mechanism => {
    const m = mechs.get(spec.compartments[i]!.mechanism);
    if (!m) throw new Error(`no rules/*/mechanism.yaml with driver ${spec.compartments[i]!.mechanism}`);
    return m;
  };
  const used = [...new Set([...mechs.values()].filter((m) => m.always).concat(spec.compartments.map((_, i) => mechOf(i))))];

  // include/flexos and runtime/
  const inc = join(out, 'include', 'flexos');
  const rtdir = join(out, 'runtime');
  mkdirSync(inc, { recursive: true });
  mkdirSync(rtdir, { recursive: true });
  const common = join(RULES, 'common', 'runtime');
  for (const h of readdirSync(join(common, 'flexos'))) copyFileSync(join(common, 'flexos', h), join(inc, h));
  const sources = readdirSync(common).filter((f) => f.endsWith('.c')).map((f) => join(common, f));
  for (const m of used) {
    for (const h of m.headers) copyFileSync(join(m.dir, h), join(inc, basename(h)));
    sources.push(...m.sources.map((s) => join(m.dir, s)));
  }
  for (const s of sources) copyFileSync(s, join(rtdir, basename(s)));

  const sharingMacro = { 'shared-stack': 'SHARED_STACK', dss: 'DSS', heap: 'HEAP' }[spec.sharing];
  const isolated = spec.compartments.map((_, i) => mechOf(i)).filter((m) => !m.always);
  writeFileSync(
    join(inc, 'isolation.h'),
    [
      '#ifndef FLEXOS_ISOLATION_H',
      '#define FLEXOS_ISOLATION_H',
      `#define FLEXOS_NUM_COMPARTMENTS ${spec.compartments.length}`,
      `#define FLEXOS_DEFAULT_COMPARTMENT ${spec.defaultCompartment ?? 0}`,
      `#define FLEXOS_SHARING_${sharingMacro} 1`,
      mechanismIdDefines([...mechs.values()]),
      '#include <flexos/runtime.h>',
      ...[...new Set(isolated)].flatMap((m) => m.headers.map((h) => `#include <flexos/${basename(h)}>`)),
      '#include <flexos/entries.h>',
      '#include <flexos/groups.h>',
      '#endif',
      '',
    ].join('\n'),
  );
  const mechMacro = { fcalls: 'FCALLS', 'intel-pku': 'INTELPKU', vmept: 'VMEPT' };
  writeFileSync(
    join(out, 'deployment.c'),
    [
      '#include <flexos/isolation.h>',
      'FLEXOS_COMPARTMENTS_BEGIN',
      ...spec.compartments.map((c, i) => `FLEXOS_COMPARTMENT(${i}, "${c.name}", FLEXOS_MECH_${mechMacro[c.mechanism]})`),
      'FLEXOS_COMPARTMENTS_END',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(out, 'flexos_extra.ld'),
    renderLinkerScript(
      readFileSync(join(RULES, 'common', 'flexos_extra.ld.tmpl'), 'utf8'),
      spec.compartments.map((c, i) => ({ id: i, name: c.name, libs: c.libs })),
    ),
  );

  // rewritten sources: fill the placeholders
  const fixture = join(FIXTURES, spec.fixture);
  const gateInfix = (from: string, to: string): string => {
    const a = compOf.get(from);
    const b = compOf.get(to);
    if (a === undefined || b === undefined) throw new Error(`${spec.tag}: library ${a === undefined ? from : to} is in no compartment`);
    if (a === b) return 'nop';
    const [ma, mb] = [mechOf(a), mechOf(b)];
    return (ma.strength >= mb.strength ? ma : mb).gate;
  };
  const objects: { src: string; obj: string }[] = [];
  const entries = new EntryTable(pointerMasksOf(fixture));
  const groupMasks = new Set<number>();
  for (const rel of listFiles(fixture)) {
    const text = readFileSync(join(fixture, rel), 'utf8')
      .replace(/@id:(\w+)@/g, (_m, lib: string) => {
        const c = compOf.get(lib);
        if (c === undefined) throw new Error(`${spec.tag}: @id:${lib}@ names no library of the deployment`);
        return String(c);
      })
      .replace(/@g:(\w+):(\w+)@/g, (_m, a: string, b: string) => gateInfix(a, b))
      .replace(/@grp:([\w:]+)@/g, (_m, libs: string) => {
        const mask = libs.split(':').reduce((m, lib) => {
          const c = compOf.get(lib);
          if (c === undefined) throw new Error(`${spec.tag}: @grp:${libs}@ names ${lib}, no library of the deployment`);
          return m | (1 << c);
        }, 0);
        return mask === (1 << spec.compartments.length) - 1 ? '0' : groupName(mask);
      });
    collectEntries(text, entries, `${spec.tag}: ${rel}`);
    for (const m of text.matchAll(/\b__flexos_group_\d+(?:_\d+)*\b/g)) groupMasks.add(maskOfGroupName(m[0])!);
    const dest = join(out, 'src', rel);
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, text);
    if (rel.endsWith('.c')) objects.push({ src: dest, obj: join(out, 'build', rel.replace(/\.c$/, '.o')) });
  }
  writeFileSync(join(inc, 'entries.h'), entriesHeader(entries, spec.compartments.length));
  writeFileSync(join(out, 'entries.c'), entriesSource(entries, spec.compartments.length));
  // the group table the rewrite would generate: every group the sources name, by mask
  const groups = { all: (1 << spec.compartments.length) - 1, groups: [...groupMasks].sort((a, b) => a - b).map((mask, i) => ({ index: i + 1, mask })) };
  writeFileSync(join(inc, 'groups.h'), groupsHeader(groups, spec.compartments.map((c) => c.name)));
  writeFileSync(join(out, 'groups.c'), groupsSource(groups));
  writeFileSync(join(out, 'mechanisms.c'), mechanismsSource(used));
  for (const s of [...sources.map((s) => join(rtdir, basename(s))), join(out, 'deployment.c'), join(out, 'entries.c'), join(out, 'groups.c'), join(out, 'mechanisms.c')])
    objects.push({ src: s, obj: join(out, 'build', 'flexos', basename(s).replace(/\.c$/, '.o')) });

  const cflags = ['-O2', '-Wall', '-Werror', '-I', join(out, 'include'), ...used.flatMap((m) => m.cflags), ...(spec.extraCflags ?? [])];
  await pool(objects, 2, async ({ src, obj }) => {
    mkdirSync(dirname(obj), { recursive: true });
    await gcc([...cflags, '-c', src, '-o', obj], out);
  });
  const app = join(out, 'build', 'app');
  const ldflags = [...new Set(used.flatMap((m) => m.ldflags))];
  await gcc(
    ['-o', app, ...objects.map((o) => o.obj), `-Wl,-T,${join(out, 'flexos_extra.ld')}`, ...ldflags, ...(spec.static ? ['-static'] : [])],
    out,
  );
  // the mechanisms' checks of the linked program (intel-pku: no stray wrpkru/xrstor)
  for (const m of used) {
    if (!m.binaryCheck) continue;
    const tool = join(out, 'build', 'flexos', basename(m.binaryCheck, '.c'));
    await gcc(['-O2', '-o', tool, m.binaryCheck], out);
    try {
      await run(tool, [app, ...m.binaryCheckAllow.flatMap((a) => ['--allow', a])]);
    } catch (e) {
      rmSync(app, { force: true });
      throw new Error(`${spec.tag}: ${basename(m.binaryCheck)} failed the build:\n${(e as { stdout?: string }).stdout ?? String(e)}`);
    }
  }
  return app;
}

export interface RunResult {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export function runNative(app: string, args: string[] = [], env: Record<string, string> = {}): RunResult {
  const r = spawnSync(app, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Compiles one C file (`gcc <flags> snippet.c`, by default to an object) against the runtime headers with an isolation.h for `sharing`
 * that includes every mechanism header; returns gcc's exit status and messages.
 */
export async function compileSnippet(
  tag: string,
  code: string,
  sharing: Sharing,
  flags: string[] = ['-O2', '-Wall', '-Werror', '-c', '-o', 'snippet.o'],
): Promise<{ ok: boolean; stderr: string; dir: string }> {
  const mechs = loadMechanisms();
  const dir = workDir(tag);
  const inc = join(dir, 'include', 'flexos');
  mkdirSync(inc, { recursive: true });
  const common = join(RULES, 'common', 'runtime', 'flexos');
  for (const h of readdirSync(common)) copyFileSync(join(common, h), join(inc, h));
  for (const m of mechs.values()) for (const h of m.headers) copyFileSync(join(m.dir, h), join(inc, basename(h)));
  const sharingMacro = { 'shared-stack': 'SHARED_STACK', dss: 'DSS', heap: 'HEAP' }[sharing];
  writeFileSync(
    join(inc, 'isolation.h'),
    [
      '#define FLEXOS_NUM_COMPARTMENTS 3',
      `#define FLEXOS_SHARING_${sharingMacro} 1`,
      mechanismIdDefines([...mechs.values()]),
      '#include <flexos/runtime.h>',
      ...[...mechs.values()].filter((m) => !m.always).flatMap((m) => m.headers.map((h) => `#include <flexos/${basename(h)}>`)),
      '#include <flexos/entries.h>',
      '#include <flexos/groups.h>',
      '',
    ].join('\n'),
  );
  const entries = new EntryTable(new Map());
  collectEntries(code, entries, tag);
  writeFileSync(join(inc, 'entries.h'), entriesHeader(entries, 3));
  writeFileSync(join(inc, 'groups.h'), groupsHeader({ all: 7, groups: [] }, []));
  writeFileSync(join(dir, 'snippet.c'), code);
  try {
    const r = await run('gcc', [...flags, '-I', join(dir, 'include'), 'snippet.c'], { cwd: dir });
    return { ok: true, stderr: r.stderr, dir };
  } catch (e) {
    return { ok: false, stderr: (e as { stderr?: string }).stderr ?? String(e), dir };
  }
}

/** Builds rules/common/bench/gatebench.c with its build.sh (args: sharing, pku, static). */
export function buildGatebench(tag: string, args: string[]): string {
  const out = workDir(tag);
  execFileSync('bash', [join(ROOT, 'rules', 'common', 'bench', 'build.sh'), out, ...args], { stdio: 'pipe' });
  return join(out, 'gatebench');
}

export function parseGatebench(stdout: string): Map<string, { ns: number; cycles: number }> {
  const rows = new Map<string, { ns: number; cycles: number }>();
  for (const m of stdout.matchAll(/^(\S+)\s+([\d.]+) ns\s+([\d.]+) cycles$/gm))
    rows.set(m[1]!, { ns: Number(m[2]), cycles: Number(m[3]) });
  return rows;
}

/** Pids of live processes running `app` (to check that no compartment process outlives it). */
export function processesOf(app: string): number[] {
  const exe = realpathSync(app);
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readlinkSync(join('/proc', d, 'exe')) === exe) pids.push(Number(d));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return pids;
}
