/** The deployment's placement as the checks need it (ids per library), from a resolved deployment. */
import type { Deployment } from '../../transform/deployment.js';
import type { CompartmentMap } from './context.js';

export function compartmentMap(d: Deployment): CompartmentMap {
  return {
    compartmentOf: (library) => d.compartmentOf.get(library) ?? d.defaultId,
    describe: (library) => {
      const c = d.compartments[d.compartmentOf.get(library) ?? d.defaultId]!;
      return `compartment ${c.id} ${c.name}`;
    },
  };
}
