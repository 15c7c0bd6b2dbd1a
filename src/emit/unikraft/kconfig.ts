import type { KraftBuildKeys } from '../../config/kraft-build.js';

const GENERATED = '# Written by flexos rewrite --target unikraft; regenerate instead of editing.';

/**
 * The defconfig kraft's `configure` would have written, plus what the deployment needs:
 * `make -C <unikraft> A=<app> L=<libs> UK_DEFCONFIG=$PWD/flexos.config defconfig`. Later lines
 * win over earlier ones with the same option (as in kraft), and every option appears once.
 */
export function kconfigFragment(sections: { title: string; lines: string[] }[]): string {
  const value = new Map<string, string>();
  const order: string[] = [];
  for (const s of sections) {
    for (const line of s.lines) {
      const key = line.split('=')[0]!.trim();
      if (!value.has(key)) order.push(key);
      value.set(key, line.trim());
    }
  }
  return `${GENERATED}\n${order.map((k) => value.get(k)!).join('\n')}\n`;
}

/** kraft's arch/platform enable flags (`CONFIG_ARCH_X86_64=y`, `CONFIG_PLAT_KVM=y`); kvm/x86_64 by default. */
export function targetKconfig(keys: KraftBuildKeys): string[] {
  const targets = keys.targets.length > 0 ? keys.targets : [{ architecture: 'x86_64', platform: 'kvm' }];
  return targets.flatMap((t) => [`CONFIG_ARCH_${t.architecture.toUpperCase().replace(/[^A-Z0-9]/g, '_')}=y`, `CONFIG_PLAT_${t.platform.toUpperCase().replace(/[^A-Z0-9]/g, '_')}=y`]);
}
