/**
 * The deployment configuration loader (SPEC §3). Reads a FlexOS `kraft.yaml` (kraft's own keys
 * such as `specification`, `unikraft`, `targets`, `volumes` are accepted and ignored; any other
 * key is refused by schema.ts) plus our extensions
 * — a mechanism per compartment, real `hardening`, `sharing:`, and `path:` on library entries —
 * and reports every problem as a ConfigError at the file/line/column of the offending key or value.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isScalar } from 'yaml';
import { checkKeys } from './schema.js';
import { canonicalHardening, describeHardeningNames, probeHardening } from './hardening.js';
import {
  ConfigError,
  DEFAULT_SHARING,
  SHARING_STRATEGIES,
  type CompartmentConfig,
  type DeploymentConfig,
  type LibraryConfig,
  type LoadOptions,
  type SharingStrategy,
  type SourceLocation,
  type TargetConfig,
} from './types.js';
import {
  deref,
  expectBoolean,
  expectMap,
  expectSeq,
  expectString,
  fail,
  fieldsOf,
  findField,
  locationOf,
  parseYamlFile,
  plainValue,
  rejectUnknownKeys,
  type Field,
  type YamlContext,
} from './yaml-nodes.js';

/** Keys a compartment entry may have. */
export const COMPARTMENT_KEYS: readonly string[] = ['name', 'mechanism', 'default'];
/** Keys a library entry may have: ours, plus what kraft itself reads (accepted, ignored). */
export const LIBRARY_KEYS: readonly string[] = ['compartment', 'hardening', 'path', 'version', 'kconfig', 'is_core', 'source'];
/** Compartment names end up in C strings, section names and messages. */
const COMPARTMENT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** Library keys end up in make variables and file names. */
const LIBRARY_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

// ---------------------------------------------------------------------------------------------
// YAML document

function topFields(ctx: YamlContext): { fields: Field[]; start: SourceLocation } {
  const start: SourceLocation = { file: ctx.file, line: 1, column: 1 };
  const root = deref(ctx, ctx.doc.contents);
  const at = locationOf(ctx, ctx.doc.contents, start);
  const map = expectMap(root, at, 'the configuration', 'top-level keys such as `compartments:` and `libraries:`');
  return { fields: fieldsOf(ctx, map, at), start: at };
}

// ---------------------------------------------------------------------------------------------
// Compartments

interface ParsedCompartment {
  config: CompartmentConfig;
  nameLocation: SourceLocation;
  defaultLocation?: SourceLocation;
}

function parseMechanism(
  field: Field | undefined,
  where: SourceLocation,
  name: string,
  opts: LoadOptions,
  ctx: YamlContext,
): { driver: string; options: Record<string, unknown> } {
  const known = opts.knownDrivers.join(', ');
  if (!field) fail(where, `compartment "${name}" has no \`mechanism\`; add \`mechanism: { driver: <one of ${known}> }\``);
  const map = expectMap(field.value, field.valueLocation, `\`mechanism\` of compartment "${name}"`, `e.g. \`{ driver: intel-pku }\``);
  const fields = fieldsOf(ctx, map, field.valueLocation);
  const driverField = findField(fields, 'driver');
  if (!driverField) fail(field.valueLocation, `\`mechanism\` of compartment "${name}" has no \`driver\`; add \`driver:\` with one of: ${known}`);
  const driver = expectString(driverField.value, driverField.valueLocation, '`driver`', `one of: ${known}`);
  if (!opts.knownDrivers.includes(driver)) {
    fail(driverField.valueLocation, `unknown isolation driver "${driver}"; known drivers: ${known}`);
  }
  const options: Record<string, unknown> = {};
  for (const f of fields) if (f.name !== 'driver') options[f.name] = plainValue(ctx, f.value);
  return { driver, options };
}

function parseCompartmentName(field: Field | undefined, where: SourceLocation): string {
  if (!field) fail(where, 'compartment entry has no `name`; add `name: <compartment name>`');
  const hint = 'letters, digits, `_`, `.`, `-`';
  const name = expectString(field.value, field.valueLocation, 'a compartment `name`', hint);
  if (!COMPARTMENT_NAME.test(name)) {
    fail(field.valueLocation, `invalid compartment name "${name}"; use only ${hint}, not starting with \`.\` or \`-\``);
  }
  return name;
}

function parseCompartment(ctx: YamlContext, item: unknown, id: number, fallback: SourceLocation, opts: LoadOptions): ParsedCompartment {
  const location = locationOf(ctx, item, fallback);
  const hint = 'with `name`, `mechanism` and optionally `default`';
  const map = expectMap(deref(ctx, item), location, 'each entry of `compartments`', hint);
  const fields = fieldsOf(ctx, map, location);
  rejectUnknownKeys(fields, COMPARTMENT_KEYS, 'a compartment');
  const nameField = findField(fields, 'name');
  const name = parseCompartmentName(nameField, location);
  const { driver, options } = parseMechanism(findField(fields, 'mechanism'), location, name, opts, ctx);
  const defaultField = findField(fields, 'default');
  const isDefault = defaultField ? expectBoolean(defaultField.value, defaultField.valueLocation, '`default`') : false;
  return {
    config: { id, name, driver, isDefault, options, location },
    nameLocation: nameField!.valueLocation,
    defaultLocation: isDefault ? defaultField!.keyLocation : undefined,
  };
}

function checkUniqueNames(parsed: ParsedCompartment[]): void {
  parsed.forEach((p, i) => {
    const first = parsed.findIndex((q) => q.config.name === p.config.name);
    if (first !== i) {
      const line = parsed[first].nameLocation.line;
      fail(p.nameLocation, `duplicate compartment name "${p.config.name}" (already declared at line ${line}); compartment names must be unique`);
    }
  });
}

/** The compartment marked `default: true`; the first one when none is (as FlexOS did). */
function pickDefault(parsed: ParsedCompartment[]): CompartmentConfig {
  const marked = parsed.filter((p) => p.config.isDefault);
  if (marked.length > 1) {
    const [first, second] = marked;
    fail(
      second.defaultLocation!,
      `compartment "${second.config.name}" is marked \`default: true\` but "${first.config.name}" (line ${first.defaultLocation!.line}) already is; exactly one compartment may be the default, remove one of them`,
    );
  }
  const chosen = marked[0] ?? parsed[0];
  chosen.config.isDefault = true;
  return chosen.config;
}

function parseCompartments(
  ctx: YamlContext,
  top: { fields: Field[]; start: SourceLocation },
  opts: LoadOptions,
): { compartments: CompartmentConfig[]; defaultCompartment: CompartmentConfig } {
  const field = findField(top.fields, 'compartments');
  const hint = 'one `- name: …` entry per compartment';
  if (!field) fail(top.start, `the configuration has no \`compartments\`; add a \`compartments:\` list (${hint})`);
  const seq = expectSeq(field.value, field.valueLocation, '`compartments`', hint);
  if (seq.items.length === 0) fail(field.valueLocation, `\`compartments\` is empty; declare at least one compartment (${hint})`);
  const parsed = seq.items.map((item, id) => parseCompartment(ctx, item, id, field.valueLocation, opts));
  checkUniqueNames(parsed);
  const defaultCompartment = pickDefault(parsed);
  return { compartments: parsed.map((p) => p.config), defaultCompartment };
}

// ---------------------------------------------------------------------------------------------
// Libraries

interface LibraryContext {
  ctx: YamlContext;
  opts: LoadOptions;
  compartments: CompartmentConfig[];
  defaultCompartment: CompartmentConfig;
}

function parseLibraryCompartment(lc: LibraryContext, key: string, field: Field | undefined): string {
  if (!field) return lc.defaultCompartment.name;
  const declared = lc.compartments.map((c) => c.name).join(', ');
  const name = expectString(field.value, field.valueLocation, `\`compartment\` of library ${key}`, `one of: ${declared}`);
  if (!lc.compartments.some((c) => c.name === name)) {
    fail(field.valueLocation, `library ${key} names compartment "${name}", which is not declared; declared compartments: ${declared}`);
  }
  return name;
}

function checkHardeningSupported(name: string, written: string, at: SourceLocation, cc: string): void {
  const probe = probeHardening(name, cc);
  if (!probe.ok) {
    fail(
      at,
      `hardening "${written}" is not supported by the compiler ${cc} (${probe.reason}); build with a compiler that supports it (e.g. clang) or remove "${written}" from the list`,
    );
  }
}

function parseHardening(lc: LibraryContext, key: string, field: Field | undefined): { names: string[]; locations: SourceLocation[] } {
  const result = { names: [] as string[], locations: [] as SourceLocation[] };
  if (!field) return result;
  const hint = `e.g. \`hardening: [asan]\`; allowed: ${describeHardeningNames()}`;
  const seq = expectSeq(field.value, field.valueLocation, `\`hardening\` of library ${key}`, hint);
  for (const item of seq.items) {
    const at = locationOf(lc.ctx, item, field.valueLocation);
    const written = expectString(deref(lc.ctx, item), at, 'each `hardening` entry', `allowed: ${describeHardeningNames()}`);
    const name = canonicalHardening(written);
    if (name === undefined) fail(at, `unknown hardening "${written}"; allowed: ${describeHardeningNames()}`);
    checkHardeningSupported(name, written, at, lc.opts.cc ?? 'gcc');
    if (!result.names.includes(name)) {
      result.names.push(name);
      result.locations.push(at);
    }
  }
  return result;
}

function parseLibraryPath(lc: LibraryContext, key: string, field: Field | undefined): string | undefined {
  if (!field) return undefined;
  const hint = 'the library directory, relative to the configuration file';
  const written = expectString(field.value, field.valueLocation, `\`path\` of library ${key}`, hint);
  return resolve(dirname(lc.ctx.file), written);
}

/** The fields of a library entry: a mapping, empty (`newlib:`), or kraft's `lib: <version>`. */
function libraryFields(lc: LibraryContext, key: string, field: Field): Field[] {
  const value = field.value;
  if (value === null || (isScalar(value) && ['string', 'number'].includes(typeof value.value))) return [];
  const hint = '`compartment`, `hardening`, `path`, …';
  const map = expectMap(value, field.valueLocation, `library ${key}`, hint);
  const fields = fieldsOf(lc.ctx, map, field.valueLocation);
  rejectUnknownKeys(fields, LIBRARY_KEYS, `library ${key}`);
  return fields;
}

function parseLibraryKey(field: Field): string {
  if (!LIBRARY_NAME.test(field.name)) {
    fail(field.keyLocation, `invalid library name "${field.name}"; use letters, digits, \`_\`, \`.\`, \`+\`, \`-\``);
  }
  return field.name;
}

function parseLibrary(lc: LibraryContext, field: Field): LibraryConfig {
  const key = parseLibraryKey(field);
  const fields = libraryFields(lc, key, field);
  const compartmentField = findField(fields, 'compartment');
  const pathField = findField(fields, 'path');
  const hardening = parseHardening(lc, key, findField(fields, 'hardening'));
  const library: LibraryConfig = {
    key,
    compartment: parseLibraryCompartment(lc, key, compartmentField),
    hardening: hardening.names,
    location: field.keyLocation,
    hardeningLocations: hardening.locations,
  };
  const path = parseLibraryPath(lc, key, pathField);
  if (path !== undefined) {
    library.path = path;
    library.pathLocation = pathField!.valueLocation;
  }
  if (compartmentField) library.compartmentLocation = compartmentField.valueLocation;
  return library;
}

/** `lwip` and `liblwip` name the same library. */
function libraryIdentity(key: string): string {
  return key.startsWith('lib') && key.length > 3 ? key.slice(3) : key;
}

function checkUniqueLibraries(libraries: LibraryConfig[]): void {
  libraries.forEach((lib, i) => {
    const first = libraries.findIndex((l) => libraryIdentity(l.key) === libraryIdentity(lib.key));
    if (first !== i) {
      const other = libraries[first];
      fail(lib.location, `library ${lib.key} is the same library as ${other.key} (line ${other.location.line}); configure it once`);
    }
  });
}

function parseLibraries(lc: LibraryContext, field: Field | undefined): LibraryConfig[] {
  if (!field || field.value === null) return [];
  const map = expectMap(field.value, field.valueLocation, '`libraries`', 'one `<library>: { compartment: … }` entry per library');
  const libraries = fieldsOf(lc.ctx, map, field.valueLocation).map((f) => parseLibrary(lc, f));
  checkUniqueLibraries(libraries);
  return libraries;
}

// ---------------------------------------------------------------------------------------------
// Sharing

function parseSharing(field: Field | undefined): { sharing: SharingStrategy; sharingLocation?: SourceLocation } {
  if (!field) return { sharing: DEFAULT_SHARING };
  const allowed = SHARING_STRATEGIES.join(', ');
  const value = expectString(field.value, field.valueLocation, '`sharing`', `one of: ${allowed}`);
  const sharing = SHARING_STRATEGIES.find((s) => s === value);
  if (!sharing) fail(field.valueLocation, `unknown sharing strategy "${value}"; allowed: ${allowed} (default ${DEFAULT_SHARING})`);
  return { sharing, sharingLocation: field.valueLocation };
}

// ---------------------------------------------------------------------------------------------
// Targets

const TARGET_KEYS: readonly string[] = ['architecture', 'platform'];

/** kraft's `targets: [{ architecture: x86_64, platform: kvm }]`. */
function parseTargets(ctx: YamlContext, field: Field | undefined): TargetConfig[] {
  if (!field || field.value === null) return [];
  const hint = 'e.g. `- architecture: x86_64` with `platform: kvm`';
  const seq = expectSeq(field.value, field.valueLocation, '`targets`', hint);
  return seq.items.map((item) => {
    const at = locationOf(ctx, item, field.valueLocation);
    const fields = fieldsOf(ctx, expectMap(deref(ctx, item), at, 'each `targets` entry', hint), at);
    rejectUnknownKeys(fields, TARGET_KEYS, 'a `targets` entry');
    const target: TargetConfig = { location: at };
    for (const key of TARGET_KEYS) {
      const f = findField(fields, key);
      if (f) target[key as 'architecture' | 'platform'] = expectString(f.value, f.valueLocation, `\`${key}\``, hint);
    }
    return target;
  });
}

// ---------------------------------------------------------------------------------------------
// Entry points

/** Parses configuration text; `file` is used for positions and to resolve library `path:`s. */
export function parseConfig(text: string, file: string, opts: LoadOptions): DeploymentConfig {
  try {
    // YAML 1.1 as FlexOS's kraft read its files with PyYAML (`yes`/`no` booleans, `<<` merges).
    const ctx = parseYamlFile(text, file, { document: 'a configuration', version: '1.1' });
    const top = topFields(ctx);
    const warnings = checkKeys(ctx, top.start).map((k) => ({ location: k.location, message: k.message }));
    const { compartments, defaultCompartment } = parseCompartments(ctx, top, opts);
    const lc: LibraryContext = { ctx, opts, compartments, defaultCompartment };
    const libraries = parseLibraries(lc, findField(top.fields, 'libraries'));
    const targets = parseTargets(ctx, findField(top.fields, 'targets'));
    return { file, targets, compartments, defaultCompartment, libraries, ...parseSharing(findField(top.fields, 'sharing')), warnings };
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError({ file }, `cannot read the configuration: ${(e as Error).message}`);
  }
}

function fsErrorMessage(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'configuration file not found; pass the path of an existing kraft.yaml';
    case 'EISDIR':
      return 'is a directory, not a configuration file; pass the path of the kraft.yaml inside it';
    case 'EACCES':
    case 'EPERM':
      return 'configuration file cannot be read (permission denied); check its permissions';
    default:
      return `configuration file cannot be read (${error.code ?? error.message}); check the path`;
  }
}

function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError({ file }, fsErrorMessage(e as NodeJS.ErrnoException));
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function checkLibraryPaths(config: DeploymentConfig): void {
  for (const lib of config.libraries) {
    if (lib.path !== undefined && !isDirectory(lib.path)) {
      fail(lib.pathLocation ?? lib.location, `\`path\` of library ${lib.key} is not a directory (${lib.path}); give the library's directory, relative to the configuration file`);
    }
  }
}

/** Reads and checks a configuration file (and that every library `path:` is a directory). */
export function loadConfig(file: string, opts: LoadOptions): DeploymentConfig {
  const config = parseConfig(readConfigText(file), file, opts);
  checkLibraryPaths(config);
  return config;
}
