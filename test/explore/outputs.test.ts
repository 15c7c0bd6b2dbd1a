/** `--list`, `--show`, `--write-configs`, the poset drawings, and the progress bar. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { ProgressBar, progressLine } from '../../src/cli/progress-bar.js';
import { loadConfig } from '../../src/config/index.js';
import { capture, NGINX_PERMUTATIONS, NGINX_RESULTS } from './support.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'flexos-explore-out-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('--list enumerates, --write-configs writes kraft.yaml files the loader accepts, --show prints one', async () => {
  const space = join(dir, 'space.yaml');
  writeFileSync(space, 'libraries: [app, kvs, ramfs]\nmechanisms: [fcalls, vmept]\nhardening:\n  kvs: [ubsan]\nsharing: [dss]\n');
  const c = capture();
  expect(await main(['explore', space, '--list', '--write-configs', join(dir, 'configs')], c.out)).toBe(0);
  // layouts: 1 (1 compartment, fcalls only) + 3 two-compartment (4 each) + 1 three (8) = 21, × 2 hardening
  expect(c.stdout()).toMatch(/\n42 configurations \(5 layouts up to renumbering\); kraft\.yaml files in /);
  expect(c.stdout()).toMatch(/^ #  compartments  configuration\n/);
  const files = readdirSync(join(dir, 'configs')).sort();
  expect(files.length).toBe(42);
  for (const f of files) loadConfig(join(dir, 'configs', f), { knownDrivers: ['fcalls', 'intel-pku', 'vmept'] });
  const s = capture();
  expect(await main(['explore', space, '--show', '41'], s.out)).toBe(0);
  expect(s.stdout()).toBe(readFileSync(join(dir, 'configs', files[41]!), 'utf8'));
  expect(s.stdout()).toContain('kvs: { compartment: comp2, hardening: [ubsan] }');
  const j = capture();
  expect(await main(['explore', space, '--list', '--json'], j.out)).toBe(0);
  expect(JSON.parse(j.stdout()).total).toBe(42);
  const bad = capture();
  expect(await main(['explore', space, '--show', '42'], bad.out)).toBe(2);
  expect(bad.stderr()).toMatch(/--show 42: the space has configurations 0 to 41/);
});

test('DOT and SVG: every node and cover edge, values, unmeasured dashed, answer and frontier highlighted', async () => {
  const dot = join(dir, 'p.dot'), svg = join(dir, 'p.svg');
  const c = capture();
  expect(await main(['explore', '--replay', NGINX_PERMUTATIONS, '--results', NGINX_RESULTS, '--relation', 'paper', '--budget', '60000', '--json', '--dot', dot, '--svg', svg], c.out)).toBe(0);
  const json = JSON.parse(c.stdout());
  const d = readFileSync(dot, 'utf8');
  expect(d.match(/^ {2}n\d+ \[label=/gm)!.length).toBe(80);
  expect(d.match(/^ {2}n\d+ -> n\d+;$/gm)!.length).toBe(166);
  const unmeasured = json.configurations.filter((x: { status: string }) => x.status === 'unmeasured').length;
  expect(unmeasured).toBe(80 - json.measured);
  expect(d.match(/style="filled,rounded,dashed"/g)?.length ?? 0).toBe(unmeasured);
  expect(d.match(/color="#d62728", penwidth=4/g)!.length).toBe(json.answer.length);
  expect(d.match(/color="#1f4fb4", penwidth=3/g)!.length).toBe(json.frontier.length);
  const s = readFileSync(svg, 'utf8');
  expect(s.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(s.match(/<g><title>/g)!.length).toBe(80);
  expect(s.match(/<line /g)!.length).toBe(166);
  expect(s.match(/>not measured</g)!.length).toBe(unmeasured);
  expect(s.match(/stroke="#d62728" stroke-width="4"/g)!.length).toBe(json.answer.length);
  // every tag closed: opening and closing <g>, one <svg>
  expect(s.match(/<g>/g)!.length).toBe(s.match(/<\/g>/g)!.length);
  expect(s.trim().endsWith('</svg>')).toBe(true);
});

test('without a budget, a replay lists every value and draws the whole poset', async () => {
  const c = capture();
  expect(await main(['explore', '--replay', NGINX_PERMUTATIONS, '--results', NGINX_RESULTS, '--json'], c.out)).toBe(0);
  const json = JSON.parse(c.stdout());
  expect(json.measured).toBe(80);
  expect(json.covers.length).toBe(256);
  // violated cover edges of the product order are listed, largest first
  expect(json.violations.length).toBeGreaterThan(0);
  expect(json.violations[0].by).toBeGreaterThanOrEqual(json.violations[json.violations.length - 1].by);
});

describe('progress bar', () => {
  test('fits the width; 0 or missing columns draw nothing', () => {
    expect(progressLine('measuring', 3, 10, 0)).toBe('');
    expect(progressLine('measuring', 3, 10, Number.NaN)).toBe('');
    expect(progressLine('measuring', 3, 10, 1)).toBe('');
    expect(progressLine('measuring', 3, 10, 8)).toBe('measuri');
    const line = progressLine('measuring', 5, 10, 40);
    expect(line.length).toBe(39);
    expect(line).toMatch(/^measuring 5\/10 \[#+\.+\]$/);
    expect(progressLine('m', 0, 0, 20)).toMatch(/\[#+\]$/);
  });

  test('on a terminal reporting 0 columns it writes nothing and does not throw; off a terminal it is silent', () => {
    const writes: string[] = [];
    const zero = new ProgressBar('measuring', { isTTY: true, columns: 0, write: (t) => writes.push(t) }, {});
    zero.update(1, 5);
    zero.done();
    expect(writes).toEqual([]);
    const tty = new ProgressBar('measuring', { isTTY: true, columns: 30, write: (t) => writes.push(t) }, {});
    tty.update(1, 5);
    tty.done();
    expect(writes.length).toBe(2);
    expect(writes[0]).toMatch(/^\rmeasuring 1\/5 \[/);
    const pipe = new ProgressBar('measuring', { isTTY: false, columns: 80, write: (t) => writes.push(t) }, {});
    pipe.update(1, 5);
    const ci = new ProgressBar('measuring', { isTTY: true, columns: 80, write: (t) => writes.push(t) }, { CI: 'true' });
    ci.update(1, 5);
    expect(writes.length).toBe(2);
  });
});
