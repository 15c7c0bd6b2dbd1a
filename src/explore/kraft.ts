/**
 * One configuration as a kraft.yaml (SPEC §3) that `flexos rewrite` loads: compartments comp1…
 * in block order (comp1, holding the first library, is the default), every library of the space
 * with its compartment and hardening, and the stack strategy.
 */
import { configurationKey, hardeningOf } from './enumerate.js';
import type { Configuration, Space } from './model.js';

/** Scalars as JSON strings: valid YAML whatever the characters. */
const q = (s: string): string => (/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/.test(s) ? s : JSON.stringify(s));

export function compartmentName(block: number): string {
  return `comp${block + 1}`;
}

export function renderKraftYaml(space: Space, config: Configuration): string {
  const layout = space.layouts[config.layout]!;
  const lines = [`# flexos explore: ${configurationKey(space, config)}`, 'compartments:'];
  for (let b = 0; b < layout.blocks; b++) {
    lines.push(`  - name: ${compartmentName(b)}`, `    mechanism: { driver: ${q(config.mechanisms[b]!)} }`);
    if (b === 0) lines.push('    default: true');
  }
  lines.push('libraries:');
  space.libraries.forEach((lib, i) => {
    const hardening = hardeningOf(space, config, i);
    const h = hardening.length > 0 ? `, hardening: [${hardening.map(q).join(', ')}]` : '';
    lines.push(`  ${q(lib)}: { compartment: ${compartmentName(layout.blockOf[i]!)}${h} }`);
  });
  lines.push(`sharing: ${q(config.sharing)}`, '');
  return lines.join('\n');
}
