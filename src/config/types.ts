/**
 * Types of the deployment configuration (SPEC §3): what `kraft.yaml` says about compartments,
 * libraries, hardening and the stack-sharing strategy, with the source position of everything a
 * later stage may need to complain about.
 */

/** A position in the configuration file; line and column are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** How whitelisted stack variables are shared across compartments (SPEC §4). */
export type SharingStrategy = 'shared-stack' | 'dss' | 'heap';

/** The values the `sharing:` key accepts, in the order error messages list them. */
export const SHARING_STRATEGIES: readonly SharingStrategy[] = ['shared-stack', 'dss', 'heap'];

/** The strategy used when the file has no `sharing:` key. */
export const DEFAULT_SHARING: SharingStrategy = 'shared-stack';

export interface CompartmentConfig {
  /** Declaration order from 0 (the MPK key / VM id). */
  id: number;
  name: string;
  /** `mechanism.driver`, e.g. `intel-pku`. */
  driver: string;
  isDefault: boolean;
  /** Every `mechanism` key except `driver`, as plain values (e.g. `{ noisolstack: false }`). */
  options: Record<string, unknown>;
  /** Where the compartment's entry starts (its first key). */
  location: SourceLocation;
}

export interface LibraryConfig {
  /** The key as written under `libraries:`, e.g. `lwip` or `liblwip`. */
  key: string;
  /** Compartment name; the default compartment's name when the entry names none. */
  compartment: string;
  /** Canonical hardening names (aliases resolved, duplicates dropped), in file order. */
  hardening: string[];
  /** Absolute directory of the library when the entry has `path:` (relative to the file). */
  path?: string;
  /** Where the `path:` value is, when present. */
  pathLocation?: SourceLocation;
  /** Where the library's key is. */
  location: SourceLocation;
  /** Where the `compartment:` value is, when present. */
  compartmentLocation?: SourceLocation;
  /** One location per entry of `hardening`, same order. */
  hardeningLocations: SourceLocation[];
}

/** One entry of kraft's `targets:` (the build's architecture and platform). */
export interface TargetConfig {
  architecture?: string;
  platform?: string;
  location: SourceLocation;
}

export interface DeploymentConfig {
  file: string;
  /** kraft's `targets:`; the first one selects the platform the tree is analysed for. */
  targets: TargetConfig[];
  compartments: CompartmentConfig[];
  defaultCompartment: CompartmentConfig;
  libraries: LibraryConfig[];
  sharing: SharingStrategy;
  /** Where the `sharing:` value is, when present. */
  sharingLocation?: SourceLocation;
  /** Keys accepted and ignored (e.g. `noisolstack`), each with the warning to print. */
  warnings: ConfigWarning[];
}

export interface ConfigWarning {
  location: SourceLocation;
  message: string;
}

export interface LoadOptions {
  /** Isolation drivers the tool has runtimes for, e.g. `['fcalls', 'intel-pku', 'vmept']`. */
  knownDrivers: string[];
  /** C compiler used to probe hardening support; default `gcc`. */
  cc?: string;
}

function hasPosition(location: SourceLocation | { file: string }): location is SourceLocation {
  return 'line' in location && 'column' in location;
}

/** `file:line:col` (or just `file` when there is no position). */
export function formatLocation(location: SourceLocation | { file: string }): string {
  return hasPosition(location)
    ? `${location.file}:${location.line}:${location.column}`
    : location.file;
}

/**
 * Everything wrong with a configuration. `message` is `file:line:col: detail` so it can be shown
 * as is; `detail` is the text without the position (what is wrong and what is allowed).
 */
export class ConfigError extends Error {
  readonly detail: string;

  constructor(
    public location: SourceLocation | { file: string },
    message: string,
  ) {
    super(`${formatLocation(location)}: ${message}`);
    this.name = 'ConfigError';
    this.detail = message;
  }
}
