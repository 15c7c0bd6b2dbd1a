// Rewriting for a deployment side by side with Coccinelle, the way kraft does it for FlexOS: per
// library, one spatch run with rules generated from the deployment — a gate rule pair per
// destination library in another compartment (same compartment: the nop gate), a catch-all gate
// rule into the default compartment, callback rules, the shared-allocator rules, the DSS rules for
// whitelisted locals and the `.data_shared` rule for whitelisted globals. The rules are ours,
// written to do what kraft's templates do; the tree is Debian's redis ported by `flexos port`.
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse, stringify } from 'yaml';
import { CACHE, ROOT, SOURCES } from './lib.js';

/** redis split into libraries by directory, as test/port/redis.test.ts splits it. */
const SPLIT = JSON.parse(readFileSync(join(ROOT, 'scripts', 'redis-libraries.json'), 'utf8'));
const REDIS_LIBRARIES = SPLIT.libraries;
const NOT_BUILT = SPLIT.notBuilt;

/** Three intel-pku compartments: the server (default), the client libraries, the script engine. */
export const REDIS_DEPLOYMENT = {
  compartments: [
    { name: 'server', driver: 'intel-pku', default: true },
    { name: 'clients', driver: 'intel-pku' },
    { name: 'script', driver: 'intel-pku' },
  ],
  libraries: { libredis: 'server', libhiredis: 'clients', liblinenoise: 'clients', liblua: 'script', libhdrhistogram: 'script' },
  sharing: 'dss',
};

/** A driver's gate macro, as its rules/<driver>/mechanism.yaml names it (`gate: intelpku`). */
function gateOfDriver(driver) {
  const mechanism = parse(readFileSync(join(ROOT, 'rules', driver, 'mechanism.yaml'), 'utf8'));
  return `flexos_${mechanism.gate}_gate`;
}

function deploymentYaml(d) {
  return stringify({
    compartments: d.compartments.map((c) => ({ name: c.name, mechanism: { driver: c.driver }, ...(c.default ? { default: true } : {}) })),
    libraries: Object.fromEntries(Object.entries(d.libraries).map(([lib, comp]) => [lib, { compartment: comp }])),
    sharing: d.sharing,
  });
}

/** The redis library tree, ported by `flexos port --write`, and its deployment file. */
export function prepareRedisPorted() {
  const root = join(CACHE, 'bench', 'redis-ported');
  rmSync(root, { recursive: true, force: true });
  for (const [dir, name] of Object.entries(REDIS_LIBRARIES)) {
    cpSync(join(SOURCES.redis, dir), join(root, dir), { recursive: true });
    writeFileSync(join(root, dir, 'Makefile.uk'), `$(eval $(call addlib,${name}))\n`);
  }
  for (const p of NOT_BUILT) rmSync(join(root, p), { recursive: true, force: true });
  writeFileSync(join(root, 'src', 'release.h'), SPLIT.releaseHeader);
  const port = spawnSync(process.execPath, [join(ROOT, 'bin', 'flexos.js'), 'port', root, '--write'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (port.status !== 0 && port.status !== 1) throw new Error(`flexos port --write on redis failed (exit ${port.status}): ${port.stderr.trim().split('\n').pop()}`);
  const config = join(CACHE, 'bench', 'redis-deployment.yaml');
  writeFileSync(config, deploymentYaml(REDIS_DEPLOYMENT));
  return { root, config, libraries: REDIS_LIBRARIES };
}

const gateRules = (n, lib, from, to, gate) => `@gate_r_${n}@
expression list EL;
expression R;
@@
- flexos_gate_r(${lib}, R, EL);
+ ${gate}_r(${from}, ${to}, R, EL);

@gate_${n}@
expression list EL;
@@
- flexos_gate(${lib}, EL);
+ ${gate}(${from}, ${to}, EL);
`;

/**
 * A callback of library `lib` (annotated `lib_callback`) becomes a shared-text wrapper that gates
 * into `_f`, the body's new name: the seven shapes kraft's templates know (no parameters, one, two
 * to a hundred; returning void or a value; the no-parameter one also static).
 */
function callbackRules(n, lib, from, to, gate) {
  const shapes = [
    { id: 'void', meta: '', params: 'void', args: '', ret: false },
    { id: 'void_ret_static', meta: '', params: 'void', args: '', ret: true, isStatic: true },
    { id: 'void_ret', meta: '', params: 'void', args: '', ret: true },
    { id: 'one', meta: 'type T1;\nidentifier I1;\n', params: 'T1 I1', args: ', I1', ret: false },
    { id: 'one_ret', meta: 'type T1;\nidentifier I1;\n', params: 'T1 I1', args: ', I1', ret: true },
    { id: 'many', meta: 'parameter list[n={2...100}] PL;\nexpression list EL;\n', params: 'PL', bind: 'PL@EL', args: ', EL', ret: false },
    { id: 'many_ret', meta: 'parameter list[n={2...100}] PL;\nexpression list EL;\n', params: 'PL', bind: 'PL@EL', args: ', EL', ret: true },
  ];
  return shapes
    .map((sh) => {
      const st = sh.isStatic ? 'static ' : '';
      const T = sh.ret ? 'Tret' : 'void';
      const body = sh.ret ? `+ Tret ret;\n+ ${gate}_r(${from}, ${to}, ret, impl${sh.args});\n+ return ret;\n` : `+ ${gate}(${from}, ${to}, impl${sh.args});\n`;
      return `@cb_${sh.id}_${n}@\nidentifier f;\nfresh identifier impl = "_" ## f;\n${sh.meta}${sh.ret ? 'type Tret;\n' : ''}@@\n\n+ ${st}${T} impl(${sh.params});\n- __attribute__((${lib}_callback)) ${st}${T}\n+ ${st}${T} __attribute__((section(".text_shared")))\nf(${sh.bind ?? sh.params}) {\n${body}+ }\n+\n+ ${st}${T} impl(${sh.params}) {\n...\n}\n`;
    })
    .join('\n');
}

const ALLOCATOR_RULES = [
  ['malloc', 'size', 'uk_malloc(flexos_shared_alloc, size)', 'flexos_malloc_whitelist(size, ...)'],
  ['realloc', 'var, size', 'uk_realloc(flexos_shared_alloc, var, size)', 'flexos_realloc_whitelist(var, size, ...)'],
  ['calloc', 'nmemb, size', 'uk_calloc(flexos_shared_alloc, nmemb, size)', 'flexos_calloc_whitelist(nmemb, size, ...)'],
  ['memalign', 'align, size', 'uk_memalign(flexos_shared_alloc, align, size)', 'flexos_memalign_whitelist(align, size, ...)'],
  ['palloc', 'pages', 'uk_palloc(flexos_shared_alloc, pages)', 'flexos_palloc_whitelist(pages, ...)'],
  ['pfree', 'var', 'uk_pfree(flexos_shared_alloc, var)', 'flexos_pfree_whitelist(var, ...)'],
  ['free', 'var', 'uk_free(flexos_shared_alloc, var)', 'flexos_free_whitelist(var, ...)'],
]
  .map(([name, vars, plus, minus]) => `@alloc_${name}@\nexpression ${vars};\n@@\n- ${minus}\n+ ${plus}\n`)
  .join('\n');

/** Whitelisted locals on the data shadow stack: a pointer into the shadow, every use through it. */
const DSS_RULES = `@dss_array@
identifier p, fn;
fresh identifier pm = "_dss_" ## p;
type T;
expression size;
@@
fn (...) {
... when exists
    when any
T p[size]
- __attribute__((flexos_whitelist))
;
+ T *pm = (T *) (((uintptr_t) &p) + STACK_SIZE);
<...
- p
+ pm
...>
}

@dss_init@
identifier p, fn;
fresh identifier pm = "_dss_" ## p;
type T;
expression E;
@@
fn (...) {
... when exists
    when any
T p
- __attribute__((flexos_whitelist)) = E
;
+ T *pm = (T *) (((uintptr_t) &p) + STACK_SIZE);
+ *(pm) = E;
<...
- p
+ (*pm)
...>
}

@dss_noinit@
identifier p, fn;
fresh identifier pm = "_dss_" ## p;
type T;
@@
fn (...) {
... when exists
    when any
T p
- __attribute__((flexos_whitelist))
;
+ T *pm = (T *) (((uintptr_t) &p) + STACK_SIZE);
<...
- p
+ (*pm)
...>
}
`;

const GLOBAL_RULES = `@shared_global@
identifier p;
type T;
@@
+ __attribute__((section(".data_shared")))
T p
- __attribute__((flexos_whitelist))
;

@shared_global_init@
identifier p;
type T;
@@
+ __attribute__((section(".data_shared")))
T p
- __attribute__((flexos_whitelist))
= ...;
`;

/** The rules kraft would generate for one library of the deployment. */
export function kraftRules(deployment, library) {
  const comps = deployment.compartments;
  const number = (name) => comps.findIndex((c) => c.name === name);
  const here = number(deployment.libraries[library]);
  const defaultComp = comps.findIndex((c) => c.default);
  let n = 0;
  let out = '';
  for (const [dest, compName] of Object.entries(deployment.libraries)) {
    const to = number(compName);
    if (dest === library || to === defaultComp) continue;
    const gate = to === here ? 'flexos_nop_gate' : gateOfDriver(comps[to].driver);
    out += gateRules(n, dest, here, to, gate) + '\n';
    const cbGate = to === here ? 'flexos_nop_gate' : gateOfDriver(comps[here].driver);
    out += callbackRules(n, dest, to, here, cbGate) + '\n';
    n++;
  }
  // callbacks handed to libraries of the default compartment, then the catch-all gate rule
  for (const [dest, compName] of Object.entries(deployment.libraries)) {
    const to = number(compName);
    if (dest === library || to !== defaultComp) continue;
    const cbGate = to === here ? 'flexos_nop_gate' : gateOfDriver(comps[here].driver);
    out += callbackRules(n++, dest, to, here, cbGate) + '\n';
  }
  const defaultGate = defaultComp === here ? 'flexos_nop_gate' : gateOfDriver(comps[defaultComp].driver);
  out += `@gate_r_default@\nexpression list EL;\nexpression R, L;\n@@\n- flexos_gate_r(L, R, EL);\n+ ${defaultGate}_r(${here}, ${defaultComp}, R, EL);\n\n`;
  out += `@gate_default@\nexpression list EL;\nexpression L;\n@@\n- flexos_gate(L, EL);\n+ ${defaultGate}(${here}, ${defaultComp}, EL);\n\n`;
  return out + ALLOCATOR_RULES + '\n' + (deployment.sharing === 'dss' ? DSS_RULES + '\n' : '') + GLOBAL_RULES;
}

function cFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...cFiles(p));
    else if (/\.[ch]$/.test(e.name)) out.push(p);
  }
  return out;
}

const GATE_CALL = /\bflexos_(?:intelpku|vmept|nop)_gate(?:_r)?\s*\(/g;
const PLACEHOLDER = /\bflexos_gate(?:_r)?\s*\(/g;

/** Gate macros and placeholders left, per file (relative path) of a library directory set. */
export function gateCounts(root, libraryDirs) {
  const perFile = {};
  let gates = 0;
  let placeholders = 0;
  for (const dir of libraryDirs) {
    const full = join(root, dir);
    if (!existsSync(full)) continue;
    for (const f of cFiles(full)) {
      const text = readFileSync(f, 'latin1');
      const g = (text.match(GATE_CALL) ?? []).length;
      const p = (text.match(PLACEHOLDER) ?? []).length;
      gates += g;
      placeholders += p;
      if (g + p > 0) perFile[f.slice(root.length + 1)] = { gates: g, placeholders: p };
    }
  }
  return { gates, placeholders, perFile };
}

/** Runs spatch with the library's rules over every library directory of a copy of the tree, as kraft does (in place, -j cores). */
export function spatchRewrite(measured, prepared, deployment, { timeoutS }) {
  const copy = join(CACHE, 'bench', 'redis-spatch');
  rmSync(copy, { recursive: true, force: true });
  cpSync(prepared.root, copy, { recursive: true });
  const jobs = String(Math.max(1, cpus().length));
  let ms = 0;
  let maxRssKb = 0;
  let timedOut = false;
  const failures = [];
  const started = Date.now();
  for (const [dir, library] of Object.entries(prepared.libraries)) {
    const rules = join(CACHE, 'bench', `kraft-${library}.cocci`);
    writeFileSync(rules, kraftRules(deployment, library));
    const left = Math.max(1, timeoutS - Math.floor((Date.now() - started) / 1000));
    const r = measured(['spatch', '--sp-file', rules, '--dir', join(copy, dir), '--in-place', '-j', jobs, '--very-quiet'], { timeoutS: left });
    ms += r.ms;
    maxRssKb = Math.max(maxRssKb, r.maxRssKb);
    if (r.timedOut) {
      timedOut = true;
      break;
    }
    if (r.status !== 0) failures.push(`${library}: exit ${r.status}: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`);
  }
  return { root: copy, ms, maxRssKb, timedOut, failures, jobs };
}

