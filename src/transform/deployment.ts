import type { Library } from '../analyze/model.js';
import { libraryForKey } from '../analyze/build-selection.js';
import { ConfigError, type DeploymentConfig, type SharingStrategy } from '../config/index.js';
import type { MechanismSpec } from '../config/mechanisms.js';
import type { SourceLocation } from '../config/types.js';

export interface Compartment {
  id: number;
  name: string;
  mechanism: MechanismSpec;
  isDefault: boolean;
  libraries: string[];
  /** Where the configuration declares it (absent for deployments built without a file). */
  location?: SourceLocation;
}

/** A configuration resolved against a tree: every library has a compartment. */
export interface Deployment {
  configFile: string;
  compartments: Compartment[];
  defaultId: number;
  sharing: SharingStrategy;
  /** Library name (`libkvs`) → compartment id. */
  compartmentOf: Map<string, number>;
  /** Library name → hardening names. */
  hardening: Map<string, string[]>;
}

/**
 * Places every library of the tree: the configuration's entries first (by short or full name),
 * then the default compartment. Names the configuration uses that the tree lacks are errors at
 * the configuration key.
 */
export function resolveDeployment(config: DeploymentConfig, libraries: readonly Library[], mechanisms: ReadonlyMap<string, MechanismSpec>): Deployment {
  const compartments: Compartment[] = config.compartments.map((c) => {
    const mechanism = mechanisms.get(c.driver);
    if (!mechanism) throw new ConfigError(c.location, `unknown mechanism driver '${c.driver}'; available: ${[...mechanisms.keys()].join(', ')}`);
    return { id: c.id, name: c.name, mechanism, isDefault: c.isDefault, libraries: [], location: c.location };
  });
  const byName = new Map(compartments.map((c) => [c.name, c]));
  const defaultId = config.defaultCompartment.id;
  const compartmentOf = new Map<string, number>();
  const hardening = new Map<string, string[]>();
  const known = libraries.map((l) => l.name);
  for (const entry of config.libraries) {
    const lib = libraryForKey(libraries, entry.key);
    if (!lib) {
      throw new ConfigError(entry.location, `library '${entry.key}' is not in the tree; known libraries: ${known.join(', ')} (or give it a 'path:')`);
    }
    const comp = byName.get(entry.compartment);
    if (!comp) throw new ConfigError(entry.compartmentLocation ?? entry.location, `unknown compartment '${entry.compartment}'`);
    compartmentOf.set(lib.name, comp.id);
    hardening.set(lib.name, entry.hardening);
  }
  for (const lib of libraries) {
    if (!compartmentOf.has(lib.name)) compartmentOf.set(lib.name, defaultId);
    if (!hardening.has(lib.name)) hardening.set(lib.name, []);
  }
  for (const lib of [...libraries].sort((a, b) => (a.name < b.name ? -1 : 1))) compartments[compartmentOf.get(lib.name)!]!.libraries.push(lib.name);
  for (const c of compartments) {
    const supported = c.mechanism.extra.sharing;
    if (Array.isArray(supported) && !supported.includes(config.sharing) && c.libraries.length > 0 && compartments.length > 1) {
      const where = config.sharingLocation ?? { file: config.file };
      throw new ConfigError(where, `sharing '${config.sharing}' is not supported by compartment '${c.name}' (${c.mechanism.driver}); it supports: ${supported.join(', ')}`);
    }
  }
  return { configFile: config.file, compartments, defaultId, sharing: config.sharing, compartmentOf, hardening };
}

/** The gate macro infix between two compartments: nop inside one, else the stronger side's. */
export function gateMechanism(d: Deployment, from: number, to: number): string {
  if (from === to) return 'nop';
  const a = d.compartments[from]!.mechanism;
  const b = d.compartments[to]!.mechanism;
  return (a.strength >= b.strength ? a : b).gate;
}
