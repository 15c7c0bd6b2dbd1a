/**
 * The project file (`flexos-project.yaml` at the tree root, or `--project FILE`): what the code
 * alone does not decide about gates. Every key is optional; the defaults are documented in the
 * README ("Which calls need a gate").
 *
 *   caller-domain: [libc]         # libraries whose code runs in the caller's domain
 *   absent-sources: caller-domain # or `gate`: calls to functions with no source in the tree
 *   gate: [uk_foo]                # always gated, whatever the analysis finds
 *   no-gate: [uk_bar]             # never gated
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError, type SourceLocation } from './types.js';
import { deref, expectMap, expectSeq, expectString, fieldsOf, findField, locationOf, rejectUnknownKeys, type Field, type YamlContext } from './yaml-nodes.js';

export const PROJECT_FILE = 'flexos-project.yaml';
const KEYS = ['caller-domain', 'absent-sources', 'gate', 'no-gate'];

export interface ProjectSettings {
  file: string;
  callerDomain?: { name: string; location: SourceLocation }[];
  absentSources?: 'caller-domain' | 'gate';
  gate?: string[];
  noGate?: string[];
}

function names(ctx: YamlContext, field: Field | undefined, what: string): { name: string; location: SourceLocation }[] | undefined {
  if (!field) return undefined;
  const seq = expectSeq(field.value, field.valueLocation, what, 'a list of names, e.g. `[libc]`');
  return seq.items.map((item) => {
    const at = locationOf(ctx, item, field.valueLocation);
    return { name: expectString(deref(ctx, item), at, `each entry of ${what}`, 'a library or function name'), location: at };
  });
}

export function parseProjectFile(text: string, file: string): ProjectSettings {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const ctx: YamlContext = { file, doc, lineCounter };
  const [first] = doc.errors;
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    throw new ConfigError({ file, line, column: col }, `invalid YAML: ${first.message.split('\n')[0]}; fix the syntax`);
  }
  const settings: ProjectSettings = { file };
  if (doc.contents === null) return settings;
  const start: SourceLocation = { file, line: 1, column: 1 };
  const fields = fieldsOf(ctx, expectMap(deref(ctx, doc.contents), locationOf(ctx, doc.contents, start), 'the project file', `keys: ${KEYS.join(', ')}`), start);
  rejectUnknownKeys(fields, KEYS, 'the project file');
  const callerDomain = names(ctx, findField(fields, 'caller-domain'), '`caller-domain`');
  if (callerDomain) settings.callerDomain = callerDomain;
  const absent = findField(fields, 'absent-sources');
  if (absent) {
    const value = expectString(absent.value, absent.valueLocation, '`absent-sources`', 'caller-domain or gate');
    if (value !== 'caller-domain' && value !== 'gate') throw new ConfigError(absent.valueLocation, `\`absent-sources\` is "${value}"; allowed: caller-domain, gate`);
    settings.absentSources = value;
  }
  const gate = names(ctx, findField(fields, 'gate'), '`gate`');
  if (gate) settings.gate = gate.map((g) => g.name);
  const noGate = names(ctx, findField(fields, 'no-gate'), '`no-gate`');
  if (noGate) settings.noGate = noGate.map((g) => g.name);
  return settings;
}

/** `--project FILE`, else the tree's own `flexos-project.yaml`, else none. */
export function loadProjectFile(tree: string, explicit?: string): ProjectSettings | undefined {
  const file = explicit ?? join(tree, PROJECT_FILE);
  if (explicit === undefined && !existsSync(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (e) {
    throw new ConfigError({ file }, `project file cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the path`);
  }
  return parseProjectFile(text, file);
}
