/**
 * The key schema of a deployment configuration: every key of every mapping must be one flexos
 * reads or one kraft reads (accepted, ignored), or the file is refused at that key with the
 * nearest known one. A typo such as `sharring: dss` or `noisolstak:` would otherwise change the
 * deployment silently. This step checks names only; load.ts checks values.
 */
import { isMap, isSeq, type Node } from 'yaml';
import type { SourceLocation } from './types.js';
import { deref, fail, fieldsOf, locationOf, type YamlContext } from './yaml-nodes.js';

/** A mapping's known keys (each with the schema of its value), or a list's item schema. */
interface Schema {
  keys?: Record<string, Schema>;
  /** The schema of every key of a mapping whose keys are names (e.g. `libraries:`). */
  anyKey?: Schema;
  items?: Schema;
  /** Kraft's own free-form sections: not descended into. */
  opaque?: boolean;
  /** A FlexOS key flexos accepts but does not act on: the warning that says so. */
  ignored?: string;
}

/** A key accepted and ignored, with the warning to print at its place. */
export interface IgnoredKey {
  key: string;
  location: SourceLocation;
  message: string;
}

const leaf: Schema = {};
const opaque: Schema = { opaque: true };

const LIBRARY: Schema = { keys: { compartment: leaf, hardening: leaf, path: leaf, version: leaf, kconfig: leaf, is_core: leaf, source: leaf } };
const MECHANISM: Schema = {
  keys: {
    driver: leaf,
    noisolstack: {
      ignored:
        '`noisolstack` is accepted and ignored: flexos decides stacks by `sharing:` (shared-stack: one stack for all compartments, as noisolstack: true; dss or heap: a private stack per compartment, as noisolstack: false); set `sharing:` instead',
    },
  },
};

/** FlexOS's kraft.yaml (specification 0.6) with our extensions (`sharing`, `path`, `hardening`). */
export const CONFIG_SCHEMA: Schema = {
  keys: {
    specification: leaf,
    name: leaf,
    unikraft: { keys: { version: leaf, kconfig: leaf, source: leaf } },
    architectures: opaque,
    platforms: opaque,
    targets: { items: { keys: { architecture: leaf, platform: leaf } } },
    compartments: { items: { keys: { name: leaf, mechanism: MECHANISM, default: leaf } } },
    libraries: { anyKey: LIBRARY },
    volumes: opaque,
    networks: opaque,
    sharing: leaf,
  },
};

/** Edit distance, for "did you mean": small strings only (keys). */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The known key closest to `name`, when close enough to be a likely typo. */
export function nearestKey(name: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : null;
}

function describePath(path: string[]): string {
  return path.length === 0 ? 'the top level' : `\`${path.join('.')}\``;
}

/** Fails at the first key the schema does not know, naming the nearest known key; returns the keys accepted and ignored. */
export function checkKeys(ctx: YamlContext, start: SourceLocation): IgnoredKey[] {
  const ignored: IgnoredKey[] = [];
  const walk = (node: Node | null, schema: Schema, at: SourceLocation, path: string[]): void => {
    if (schema.opaque || node === null) return;
    if (isMap(node) && (schema.keys || schema.anyKey)) {
      for (const f of fieldsOf(ctx, node, at)) {
        // `x-…` keys at the top hold YAML anchors for merges (the compose convention): not read
        const child = schema.keys?.[f.name] ?? schema.anyKey ?? (path.length === 0 && f.name.startsWith('x-') ? opaque : undefined);
        if (!child) {
          const known = Object.keys(schema.keys ?? {});
          const near = nearestKey(f.name, known);
          fail(f.keyLocation, `unknown key \`${f.name}\` at ${describePath(path)}${near ? `; did you mean \`${near}\`?` : ''} (known keys here: ${known.join(', ')})`);
        }
        if (child.ignored) ignored.push({ key: f.name, location: f.keyLocation, message: child.ignored });
        walk(f.value, child, f.valueLocation, [...path, f.name]);
      }
    } else if (isSeq(node) && schema.items) {
      node.items.forEach((item, i) => walk(deref(ctx, item), schema.items!, locationOf(ctx, item, at), [...path.slice(0, -1), `${path[path.length - 1] ?? ''}[${i}]`]));
    }
  };
  walk(deref(ctx, ctx.doc.contents), CONFIG_SCHEMA, start, []);
  return ignored;
}
