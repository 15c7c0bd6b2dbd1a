/**
 * Shared-heap groups (issue 11): `flexos_malloc_whitelist(size, libs…)` names the libraries that
 * share a block. Its group is the set of compartments those libraries and the allocating one are
 * in, in this deployment. Every group but "every compartment" gets a region of its own in the
 * runtime, mapped (vmept) or keyed (intel-pku) for its members only; the plan decides, once for
 * the whole tree, which groups get one, and the rewrite names them in the allocation calls
 * (`flexos_shared_group_malloc(__flexos_group_0_2, size)`); flexos/groups.h and groups.c are
 * generated from the plan (src/emit/group-files.ts).
 *
 * Protection keys are few: a mechanism that separates compartments of one process with keys says
 * how many it has in its mechanism.yaml (`protection_keys`, `runtime_keys`: intel-pku, 15 and 1,
 * one more per compartment). A group needs a key when its members are some but not all of the
 * main process's compartments; when such groups outnumber the free keys, the excess ones (the
 * largest groups first, then the highest masks) fall back to the region of every compartment,
 * with a warning at the configuration.
 */
import type { TreeIndex } from '../analyze/index.js';
import { resolveLibraryName } from '../analyze/library-names.js';
import type { FileFacts, SharedAllocSite } from '../analyze/model.js';
import { positionOf } from '../analyze/facts.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Deployment } from './deployment.js';

/** The runtime's table holds at most this many groups, group 0 included (FLEXOS_MAX_SHARED_GROUPS). */
export const MAX_SHARED_GROUPS = 64;

export interface SharedGroup {
  /** Index in the runtime's table (1, 2, …; 0 is every compartment). */
  index: number;
  /** Bit c: compartment c. */
  mask: number;
}

export interface GroupPlan {
  /** Groups with a region of their own, by index. */
  groups: SharedGroup[];
  /** Mask of every compartment (group 0). */
  all: number;
  diagnostics: Diagnostic[];
  /** The group an allocation site (file, start offset) allocates in; absent: group 0. */
  groupOfSite(path: string, start: number): SharedGroup | undefined;
}

/** `__flexos_group_0_2`: the C name of a group (its compartment ids, ascending). */
export function groupName(mask: number): string {
  return `__flexos_group_${membersOf(mask).join('_')}`;
}

export function membersOf(mask: number): number[] {
  const out: number[] = [];
  for (let c = 0; mask >> c; c++) if ((mask >> c) & 1) out.push(c);
  return out;
}

const GROUP_CALL = /^flexos_shared_group_(malloc|calloc|realloc|memalign|palloc)$/;
const GROUP_NAME = /^__flexos_group_(\d+(?:_\d+)*)$/;

/** The mask a generated group name stands for (a rewritten tree rewritten again), or null. */
export function maskOfGroupName(name: string): number | null {
  const m = GROUP_NAME.exec(name);
  if (!m) return null;
  return m[1]!.split('_').reduce((mask, c) => mask | (1 << Number(c)), 0);
}

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

/** Compartments of the main process: the default one and those whose mechanism does not fork. */
function mainProcessMask(d: Deployment): number {
  return d.compartments.reduce((m, c) => (c.isDefault || c.mechanism.extra.own_process !== true ? m | (1 << c.id) : m), 0);
}

/** Free protection keys for groups in the main process, or null when no mechanism there uses keys. */
function freeKeys(d: Deployment, main: number): { free: number; driver: string } | null {
  const keyed = d.compartments.filter((c) => (main >> c.id) & 1 && typeof c.mechanism.extra.protection_keys === 'number');
  if (keyed.length === 0) return null;
  const m = keyed[0]!.mechanism;
  const total = m.extra.protection_keys as number;
  const reserved = typeof m.extra.runtime_keys === 'number' ? m.extra.runtime_keys : 0;
  return { free: Math.max(0, total - reserved - keyed.filter((c) => c.mechanism.driver === m.driver).length), driver: m.driver };
}

/**
 * Plans the groups of every allocation site of the tree (and of the group calls of an already
 * rewritten tree, so that a second rewrite regenerates the same table). `isolated`: the
 * deployment separates compartments at all (otherwise every allocation is group 0).
 */
export function planSharedGroups(files: readonly FileFacts[], index: TreeIndex, d: Deployment, isolated: boolean): GroupPlan {
  const all = d.compartments.reduce((m, c) => m | (1 << c.id), 0);
  const diagnostics: Diagnostic[] = [];
  if (!isolated) return { groups: [], all, diagnostics, groupOfSite: () => undefined };
  const siteMask = new Map<string, number>();
  const uses = new Map<number, number>();
  const note = (mask: number): void => {
    if (mask !== all) uses.set(mask, (uses.get(mask) ?? 0) + 1);
  };
  for (const facts of files) {
    for (const site of facts.sharedAllocs) {
      if (site.kind === 'free' || site.kind === 'pfree') continue;
      const mask = siteGroup(facts, site, index, d, diagnostics);
      siteMask.set(`${facts.path}:${site.span.start}`, mask);
      note(mask);
    }
    for (const call of facts.calls) {
      if (!GROUP_CALL.test(call.callee)) continue;
      const mask = maskOfGroupName(call.args[0]?.text.trim() ?? '');
      if (mask !== null && (mask & ~all) === 0 && mask !== 0) note(mask);
    }
  }
  // deterministic order: the most used groups first, then the smaller masks
  let masks = [...uses.keys()].sort((a, b) => uses.get(b)! - uses.get(a)! || a - b);
  const main = mainProcessMask(d);
  const keys = freeKeys(d, main);
  if (keys) {
    const needsKey = (m: number): boolean => (m & main) !== 0 && (m & main) !== main;
    const keyed = masks.filter(needsKey);
    if (keyed.length > keys.free) {
      // keep the groups with the fewest members: their blocks are the most private
      const kept = new Set([...keyed].sort((a, b) => popcount(a) - popcount(b) || a - b).slice(0, keys.free));
      const dropped = keyed.filter((m) => !kept.has(m));
      masks = masks.filter((m) => !needsKey(m) || kept.has(m));
      diagnostics.push(configDiagnostic(d, keys.driver, `${keyed.length} shared-heap groups need a protection key of ${keys.driver} and only ${keys.free} are free (one per compartment and one for the runtime are taken); the allocations of ${dropped.map((m) => describe(d, m)).join(', ')} use the shared heap of every compartment instead — list fewer distinct library sets in flexos_malloc_whitelist, or put fewer compartments under ${keys.driver}`));
    }
  }
  if (masks.length > MAX_SHARED_GROUPS - 1) {
    const dropped = masks.slice(MAX_SHARED_GROUPS - 1);
    masks = masks.slice(0, MAX_SHARED_GROUPS - 1);
    diagnostics.push(configDiagnostic(d, null, `${dropped.length + masks.length} shared-heap groups exceed the runtime's ${MAX_SHARED_GROUPS - 1}; the allocations of ${dropped.map((m) => describe(d, m)).join(', ')} use the shared heap of every compartment instead`));
  }
  const groups = [...masks].sort((a, b) => a - b).map((mask, i) => ({ index: i + 1, mask }));
  const byMask = new Map(groups.map((g) => [g.mask, g]));
  return {
    groups,
    all,
    diagnostics,
    groupOfSite: (path, start) => {
      const mask = siteMask.get(`${path}:${start}`);
      return mask === undefined ? undefined : byMask.get(mask);
    },
  };
}

/** The allocating library's compartment and those of the listed libraries (no list: everyone). */
function siteGroup(facts: FileFacts, site: SharedAllocSite, index: TreeIndex, d: Deployment, out: Diagnostic[]): number {
  // no list: nothing narrows it (what the one shared heap meant before groups)
  if (site.libraries.length === 0) return d.compartments.reduce((m, c) => m | (1 << c.id), 0);
  let mask = 1 << (d.compartmentOf.get(facts.library ?? '') ?? d.defaultId);
  site.libraries.forEach((written, i) => {
    const name = written.trim();
    const lib = resolveLibraryName(index, name)?.library;
    const id = lib ? d.compartmentOf.get(lib.name) : undefined;
    if (id === undefined) {
      // FlexOS lists libraries kraft places by its catch-all rule (`libc`): the default compartment
      const span = site.libraryArgs[i]?.span ?? site.calleeSpan;
      const pos = positionOf(facts, span.start);
      out.push({
        code: 'shared-alloc-unknown-library',
        severity: 'warning',
        file: facts.path,
        line: pos.line,
        column: pos.column,
        start: span.start,
        end: span.end,
        message: `'${name}' is neither a library of the tree nor one the configuration names; the block is shared with the default compartment ${d.compartments[d.defaultId]!.name} in its place (where kraft puts unlisted libraries) — fix the name or add the library under the configuration's libraries:`,
      });
      mask |= 1 << d.defaultId;
    } else mask |= 1 << id;
  });
  return mask;
}

function describe(d: Deployment, mask: number): string {
  return `group {${membersOf(mask).map((c) => d.compartments[c]!.name).join(', ')}}`;
}

function configDiagnostic(d: Deployment, driver: string | null, message: string): Diagnostic {
  const where = d.compartments.find((c) => driver === null || c.mechanism.driver === driver)?.location;
  return { code: 'shared-groups-fallback', severity: 'warning', file: where?.file ?? d.configFile, line: where?.line ?? 1, column: where?.column ?? 1, message };
}
