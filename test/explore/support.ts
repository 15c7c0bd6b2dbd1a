/** Shared helpers of the explore tests: the nginx replay data and the mechanism strengths. */
import { readFileSync } from 'node:fs';
import { loadMechanisms } from '../../src/config/mechanisms.js';
import { readReplay, type ReplayData } from '../../src/explore/replay.js';

export const NGINX_DIR = '/work/shared/data/flexos-nginx80';
export const NGINX_PERMUTATIONS = `${NGINX_DIR}/permutations-3.csv`;
export const NGINX_RESULTS = `${NGINX_DIR}/nginx.csv`;

export function strengths(): Map<string, number> {
  return new Map([...loadMechanisms().values()].map((m) => [m.driver, m.strength]));
}

export function nginxReplay(warmup = 1): ReplayData {
  return readReplay(readFileSync(NGINX_PERMUTATIONS, 'utf8'), NGINX_PERMUTATIONS, readFileSync(NGINX_RESULTS, 'utf8'), NGINX_RESULTS, { warmup, strengths: strengths() });
}

/** Captures a command's output in memory. */
export function capture(): { out: { stdout(t: string): void; stderr(t: string): void }; stdout: () => string; stderr: () => string } {
  let o = '', e = '';
  return { out: { stdout: (t) => void (o += t), stderr: (t) => void (e += t) }, stdout: () => o, stderr: () => e };
}
