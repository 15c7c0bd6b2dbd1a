/** The deployment configuration: types, loader and hardening table (SPEC §3). */
export * from './types.js';
export { loadConfig, parseConfig, COMPARTMENT_KEYS, LIBRARY_KEYS } from './load.js';
export * from './hardening.js';
