import { existsSync, readFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { analyzeFile, analyzeTree, resolveTree, type TreeAnalysis } from '../../analyze/analyze-tree.js';
import { TreeIndex } from '../../analyze/index.js';
import { selectionFromConfig } from '../../analyze/build-selection.js';
import { toPosix } from '../../analyze/libraries.js';
import type { Library } from '../../analyze/model.js';
import { ConfigError, loadConfig, type DeploymentConfig } from '../../config/index.js';
import { readKraftBuildKeys } from '../../config/kraft-build.js';
import { loadMechanisms } from '../../config/mechanisms.js';
import { compareDiagnostics, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { loadMacroTable } from '../../parse/macro-table.js';
import { resolveDeployment, type Deployment } from '../../transform/deployment.js';
import { rewriteTree, type TreeRewrite } from '../../transform/rewrite-tree.js';
import { UNIKRAFT_FORMS } from '../../transform/target-forms.js';
import { kconfigFragment, targetKconfig } from './kconfig.js';
import { fetchedAnnotatedSources, fetchedBuildDirs, inputFiles, outputPath, unikraftLayout, type UnikraftLayout } from './layout.js';
import { hardeningFor, LIBRARY_LINKER_SCRIPT, libraryMakefile } from './library-build.js';
import { findMarkers, mayHoldMarkers, type MarkerSite } from './markers.js';
import { allKnownMarkers, loadUnikraftRules, type MarkerRule, type UnikraftRules } from './rules.js';
import { renderTemplate, spliceMarkers, type SpliceContext } from './splices.js';

/** Everything `flexos rewrite --target unikraft` would write, not yet written. */
export interface UnikraftRewrite {
  layout: UnikraftLayout;
  analysis: TreeAnalysis;
  deployment: Deployment;
  rewrite: TreeRewrite;
  /** Output-relative path → new content (rewritten C, spliced files, Makefile.uk, generated). */
  files: Map<string, string>;
  /** Input directories copied whole to the output (absolute). */
  copyRoots: string[];
  /** Input directories copied with their timestamps kept (fetched build directories). */
  keepTimes: string[];
  /** Where the Kconfig fragment goes (output-relative). */
  kconfigPath: string;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

export interface UnikraftRewriteOptions {
  macros?: string[];
  /** kraft's UK_LIBS; default: ../../libs from the configuration's directory. */
  libs?: string;
  platform?: string;
  /** Threads for the per-file analysis (`--jobs`; default: auto, as analyzeTree's). */
  threads?: number | 'auto';
  onFile?: (path: string, done: number, total: number) => void;
}

const RULE_FOLDERS = ['common', 'fcalls', 'intel-pku', 'vmept'];

function diag(code: string, severity: Diagnostic['severity'], file: string, message: string, line = 1, column = 1): Diagnostic {
  return { code, severity, file, line, column, message };
}

/** Adds kraft-fetched, annotated sources (build/<lib>/origin) to the analysis, owned by their library. */
function withFetchedSources(analysis: TreeAnalysis, layout: UnikraftLayout, macros: ReturnType<typeof loadMacroTable>): TreeAnalysis {
  const fetched = fetchedAnnotatedSources(
    layout,
    analysis.libraries.map((l) => l.name),
    (abs) => readFileSync(abs, 'latin1'),
  );
  if (fetched.length === 0) return analysis;
  const facts = [...analysis.index.files];
  // the analysis's own map, which parses its deferred files only when one is asked for (a copy
  // would parse them all)
  const parsed = analysis.parsed;
  for (const f of fetched) {
    const r = analyzeFile(analysis.root, f.path, f.library, macros);
    facts.push(r.facts);
    parsed.set(f.path, r.parsed);
  }
  const resolved = resolveTree(analysis.root, new TreeIndex(analysis.libraries, facts, analysis.build.aliases), analysis.build);
  resolved.parsed = parsed;
  resolved.diagnostics.push(...analysis.diagnostics.filter((d) => d.code === 'unreadable-file'));
  resolved.diagnostics.sort(compareDiagnostics);
  resolved.totalLines = facts.reduce((n, f) => n + f.lineCount, 0);
  return resolved;
}

/** The one mechanism of the image: FlexOS's Kconfig builds a single backend per image. */
function imageRules(config: DeploymentConfig, d: Deployment): { folder: string; rules: UnikraftRules } {
  const drivers = [...new Set(d.compartments.map((c) => c.mechanism.driver))];
  if (drivers.length > 1) {
    const odd = config.compartments.find((c) => c.driver !== config.compartments[0]!.driver)!;
    throw new ConfigError(odd.location, `FlexOS's unikraft tree builds one isolation backend per image, and this configuration mixes ${drivers.join(' and ')}; give every compartment the same driver (mixed mechanisms run on the userspace target only)`);
  }
  const m = d.compartments[0]!.mechanism;
  const folder = basename(m.dir);
  const rules = loadUnikraftRules(folder);
  if (!rules) throw new ConfigError(config.compartments[0]!.location, `mechanism '${m.driver}' has no Unikraft rules (rules/${folder}/unikraft/target.yaml); use the userspace target`);
  if (config.defaultCompartment.id !== 0) {
    throw new ConfigError(config.defaultCompartment.location, `the default compartment must be declared first for the unikraft target: FlexOS gives the default compartment protection key / VM 0 (move '${config.defaultCompartment.name}' to the top of 'compartments:')`);
  }
  if (rules.maxCompartments !== null && d.compartments.length > rules.maxCompartments) {
    const extra = config.compartments[rules.maxCompartments]!;
    throw new ConfigError(extra.location, `${m.driver} on FlexOS's unikraft tree supports at most ${rules.maxCompartments} compartments (see rules/${folder}/unikraft/target.yaml); this is number ${extra.id + 1}`);
  }
  if (!rules.sharing.has(d.sharing)) {
    throw new ConfigError(config.sharingLocation ?? { file: config.file }, `sharing '${d.sharing}' is not available with ${m.driver} on the unikraft target; use ${[...rules.sharing.keys()].map((s) => `'sharing: ${s}'`).join(' or ')}`);
  }
  return { folder, rules };
}

function validateHardening(config: DeploymentConfig, common: UnikraftRules): void {
  for (const lib of config.libraries) {
    lib.hardening.forEach((h, i) => {
      if (!common.hardening.has(h)) {
        throw new ConfigError(lib.hardeningLocations[i] ?? lib.location, `hardening '${h}' has no Unikraft flags (gcc builds the image); available: ${[...common.hardening.keys()].join(', ')}`);
      }
    });
  }
}

/** Loads, analyzes and rewrites a FlexOS unikraft tree with its libraries and app for one configuration. */
export function rewriteForUnikraft(tree: string, configFile: string, options: UnikraftRewriteOptions = {}): UnikraftRewrite {
  const mechanisms = loadMechanisms();
  const config = loadConfig(configFile, { knownDrivers: [...mechanisms.keys()] });
  const layout = unikraftLayout(tree, config, options.libs);
  const macros = loadMacroTable(options.macros ?? []);
  // libraries kraft fetched next to the tree bind to their configuration key as `path:` ones do
  const selection = selectionFromConfig(
    { targets: config.targets, libraries: config.libraries.map((l) => ({ key: l.key, ...(layout.libraryPaths.has(l.key) ? { path: layout.libraryPaths.get(l.key)! } : {}) })) },
    options.platform ? { platform: options.platform } : {},
  );
  const app = layout.app && ![...layout.libraryPaths.values()].includes(layout.app) ? [layout.app] : [];
  // as for the userspace target, no tree is kept (the rewrite works from the facts and the text;
  // a file whose locals or callbacks it rewrites, or whose markers it checks, is parsed again),
  // so every file can go to a worker
  const keepNone = (): boolean => false;
  const base = analyzeTree(layout.tree, { macros, keepParsed: keepNone, threads: options.threads ?? 'auto', selection, extraLibraryDirs: app, ...(options.onFile ? { onFile: options.onFile } : {}) });
  const analysis = withFetchedSources(base, layout, macros);
  const deployment = resolveDeployment(config, analysis.libraries, mechanisms);
  const common = loadUnikraftRules('common')!;
  const { rules } = imageRules(config, deployment);
  validateHardening(config, common);
  const rewrite = rewriteTree(analysis, deployment, UNIKRAFT_FORMS);
  const stacks = rules.sharing.get(deployment.sharing)!.stacks;
  const ctx: SpliceContext = { deployment, privateStacks: stacks === 'private' };
  const markerRules = new Map<string, MarkerRule>();
  for (const m of [...common.markers, ...rules.markers]) markerRules.set(m.marker, m);
  const known = allKnownMarkers(RULE_FOLDERS);
  const warnings: Diagnostic[] = [];
  const errors: Diagnostic[] = [];
  const files = new Map<string, string>();
  const copyRoots = [layout.tree, ...layout.extraLibraryDirs];
  const rewritten = new Map(rewrite.files.map((f) => [f.path, f]));

  // 1. C rewrite and marker splices, file by file (a file may need both)
  const seen = new Set<string>();
  const markersFound = new Set<string>();
  const visit = (treeRel: string): void => {
    if (seen.has(treeRel)) return;
    seen.add(treeRel);
    const r = rewritten.get(treeRel);
    const original = r?.original ?? readFileSync(resolve(layout.tree, treeRel), 'latin1');
    let text = r?.output ?? original;
    const out = outputPath(layout, treeRel);
    if (mayHoldMarkers(treeRel) && text.includes('__FLEXOS MARKER__')) {
      // markers are validated on the original text (the parsed one); the C rewrite never adds or
      // removes comments, so the k-th marker of the rewritten text is the k-th of the original
      const inOriginal = findMarkers(treeRel, original);
      const confirmed = new Set(findMarkers(treeRel, original, analysis.parsed.get(treeRel)).map((m) => m.start));
      const inText = findMarkers(treeRel, text);
      const sites: MarkerSite[] = inText.filter((_, i) => inOriginal[i] && confirmed.has(inOriginal[i]!.start));
      sites.forEach((s) => {
        markersFound.add(s.text);
        if (known.has(s.text)) return;
        const at = inOriginal.find((m) => m.text === s.text)?.start ?? 0;
        const before = original.slice(0, at);
        const line = before.split('\n').length;
        const column = at - before.lastIndexOf('\n');
        warnings.push(diag('unknown-marker', 'warning', treeRel, `marker '${s.text}' is not known to any rules/<mechanism>/unikraft/target.yaml; it was removed with nothing in its place`, line, column));
      });
      text = spliceMarkers(text, sites, markerRules, ctx);
    }
    if (text !== original) files.set(out, text);
  };
  for (const f of rewrite.files) visit(f.path);
  for (const root of copyRoots) for (const rel of inputFiles(root)) if (mayHoldMarkers(rel)) visit(toPosix(relative(layout.tree, join(root, rel))));
  const isolatedCompartments = deployment.compartments.filter((c) => c.id !== deployment.defaultId);
  if (isolatedCompartments.length > 0) {
    for (const m of markerRules.values()) {
      if (m.required && !markersFound.has(m.marker)) {
        errors.push(diag('missing-marker', 'error', '.', `no '/* __FLEXOS MARKER__: ${m.marker} */' comment in the tree: compartments ${isolatedCompartments.map((c) => c.id).join(', ')} would get no sections; rewrite FlexOS's unikraft tree (branch staging), not a mainline one`));
      }
    }
  }

  // 2. per-library linker script, LDFLAGS and hardening CFLAGS
  const kconfigHardening: string[] = [];
  for (const lib of [...analysis.libraries].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const id = deployment.compartmentOf.get(lib.name) ?? deployment.defaultId;
    const isolated = id !== deployment.defaultId;
    const h = hardeningFor(deployment.hardening.get(lib.name) ?? [], common.hardening);
    kconfigHardening.push(...h.kconfig);
    if (!isolated && h.cflags.length === 0) continue;
    const makefileRel = `${lib.dir}/Makefile.uk`;
    const makefileAbs = resolve(layout.tree, makefileRel);
    if (lib.declaredBy === 'config' || !existsSync(makefileAbs)) {
      warnings.push(diag('library-without-makefile', 'warning', lib.dir, `${lib.name} has no Makefile.uk; its ${isolated ? `data stays in the default compartment (not ${id})` : 'hardening flags are not applied'}`));
      continue;
    }
    const outMakefile = outputPath(layout, makefileRel);
    const current = files.get(outMakefile) ?? readFileSync(makefileAbs, 'latin1');
    const updated = libraryMakefile(current, lib, isolated, h.cflags);
    if (updated !== current) files.set(outMakefile, updated);
    if (isolated && common.libraryLinkerScript) files.set(outputPath(layout, `${lib.dir}/${LIBRARY_LINKER_SCRIPT}`), renderTemplate(common.libraryLinkerScript, ctx, id));
  }

  // 3. the locals helper header, in flexos-core's include directory, when a file uses it
  if (UNIKRAFT_FORMS.localsHeader && [...files.values()].some((t) => t.includes(`#include <${UNIKRAFT_FORMS.localsHeader}>`))) {
    const core = analysis.libraries.find((l) => l.name === 'libflexos');
    if (!core) errors.push(diag('missing-flexos-core', 'error', '.', `whitelisted locals were moved but the tree has no libflexos (lib/flexos-core) to hold ${UNIKRAFT_FORMS.localsHeader}; rewrite FlexOS's unikraft tree`));
    else files.set(outputPath(layout, `${core.dir}/include/${UNIKRAFT_FORMS.localsHeader}`), readFileSync(join(common.dir, 'include', UNIKRAFT_FORMS.localsHeader), 'latin1'));
  }

  // 4. the Kconfig fragment kraft's configure step would have produced, plus the deployment's
  const keys = readKraftBuildKeys(config.file);
  const libraryLines = config.libraries.flatMap((l) => {
    const lib = analysis.libraries.find((x) => x.configKey === l.key) ?? analysis.libraries.find((x) => x.name === l.key || x.shortName === l.key || x.name === `lib${l.key.replace(/-/g, '')}`);
    const enable = lib && !lib.name.startsWith('app') ? [`CONFIG_${lib.name.toUpperCase().replace(/[^A-Z0-9_]/g, '')}=y`] : [];
    return [...enable, ...(keys.libraryKconfig.get(l.key) ?? [])];
  });
  const kconfigPath = layout.app ? `${outputPath(layout, layout.app)}/flexos.config` : 'flexos.config';
  files.set(
    kconfigPath,
    kconfigFragment([
      { title: 'unikraft', lines: keys.unikraftKconfig },
      { title: 'targets', lines: targetKconfig(keys) },
      { title: 'libraries', lines: libraryLines },
      { title: 'flexos', lines: [...common.kconfig, ...rules.kconfig, ...rules.sharing.get(deployment.sharing)!.kconfig, ...kconfigHardening] },
    ]),
  );

  const all = [...analysis.diagnostics, ...rewrite.diagnostics, ...errors];
  return {
    layout,
    analysis,
    deployment,
    rewrite,
    files,
    copyRoots,
    keepTimes: fetchedBuildDirs(layout, analysis.libraries.map((l: Library) => l.name)),
    kconfigPath,
    errors: all.filter((d) => d.severity === 'error'),
    warnings: [...rewrite.diagnostics.filter((d) => d.severity !== 'error'), ...warnings].sort(compareDiagnostics),
  };
}
