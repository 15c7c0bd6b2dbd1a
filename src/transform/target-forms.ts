import type { AllocKind } from '../analyze/model.js';

/**
 * The spellings a rewrite target gives to the few constructs whose runtime differs between our
 * Linux-userspace deployment and FlexOS's Unikraft tree. Gates, `.data_shared` and callback
 * wrappers are spelled alike in both; the shared allocator and the helpers that move whitelisted
 * locals are not (userspace: our runtime's functions; Unikraft: ukalloc on `flexos_shared_alloc`).
 */
export interface TargetForms {
  name: 'userspace' | 'unikraft';
  /** `flexos_malloc_whitelist(…)` → `<callee>(<allocator, >args…)`. */
  sharedAlloc(kind: AllocKind): { callee: string; allocatorArgument: string | null };
  /** Statement freeing a shared-heap block that held a whitelisted local. */
  sharedFree(variable: string): string;
  /**
   * Header declaring flexos_dss_local / flexos_heap_local, included after <flexos/isolation.h>
   * in files whose locals were moved; null when isolation.h itself declares them.
   */
  localsHeader: string | null;
  /** Name of a callback's original body once a wrapper takes its name. */
  callbackImpl(name: string): string;
  /**
   * Wrap callbacks even when caller and callee share a compartment (a nop gate): FlexOS's tree
   * calls the `_<name>` bodies kraft always generated (uksignal's uk_signal.h).
   */
  alwaysWrapCallbacks: boolean;
  /**
   * A gate naming no library of the tree or configuration goes, with a warning, to the default
   * compartment (kraft's catch-all rule) — or first to the callee's only owner when one library
   * defines it (the Unikraft target: FlexOS's example gates into an old name of its app).
   */
  unknownGateLibrary: 'default-compartment' | 'callee-owner';
  /**
   * Hardened userspace runtimes (issue 11): gates enter generated entry tables, and a DSS
   * shadow slot is cleared on every exit of its scope. FlexOS's flexos-core has neither.
   */
  entryTables: boolean;
  clearDssOnExit: boolean;
  /**
   * Shared-heap groups (issue 11): an allocation whose libraries are not every compartment gets
   * `<callee>(<group>, args…)` in a region of its group only; null: one shared heap (FlexOS).
   */
  groupAlloc: ((kind: AllocKind) => string) | null;
}

const USERSPACE_ALLOCATORS: Record<AllocKind, string> = {
  malloc: 'flexos_shared_malloc',
  calloc: 'flexos_shared_calloc',
  realloc: 'flexos_shared_realloc',
  memalign: 'flexos_shared_memalign',
  palloc: 'flexos_shared_palloc',
  free: 'flexos_shared_free',
  pfree: 'flexos_shared_pfree',
};

export const USERSPACE_FORMS: TargetForms = {
  name: 'userspace',
  sharedAlloc: (kind) => ({ callee: USERSPACE_ALLOCATORS[kind], allocatorArgument: null }),
  sharedFree: (v) => `flexos_shared_free(${v});`,
  localsHeader: null,
  callbackImpl: (name) => `${name}__flexos_impl`,
  alwaysWrapCallbacks: false,
  unknownGateLibrary: 'default-compartment',
  entryTables: true,
  clearDssOnExit: true,
  groupAlloc: (kind) => `flexos_shared_group_${kind}`,
};

/** FlexOS's flexos-core: `flexos_shared_alloc` is the shared heap's struct uk_alloc. */
export const UNIKRAFT_FORMS: TargetForms = {
  name: 'unikraft',
  sharedAlloc: (kind) => ({ callee: `uk_${kind}`, allocatorArgument: 'flexos_shared_alloc' }),
  sharedFree: (v) => `uk_free(flexos_shared_alloc, ${v});`,
  localsHeader: 'flexos/rewrite-locals.h',
  callbackImpl: (name) => `_${name}`,
  alwaysWrapCallbacks: true,
  // lib-flexos-example gates into 'appisolatedexample', an old name of the app
  unknownGateLibrary: 'callee-owner',
  entryTables: false,
  clearDssOnExit: false,
  groupAlloc: null,
};
