/**
 * flexos_extra.ld (rendered from rules/common/flexos_extra.ld.tmpl, passed with -Wl,-T) places
 * each library's data where its compartment owns it, in dynamic (PIE) and static links: the
 * per-library input-section patterns win over the default .data/.bss rules, private string
 * literals go with their library, whitelisted data and shared literals land in .data_shared,
 * callback wrappers in .text_shared, the runtime's own data nowhere private; every section is
 * page aligned and page padded with its __flexos_* symbols at its bounds, also for a
 * compartment that holds no library.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { buildDeployment, runNative, type DeploymentSpec } from './deploy.js';

interface Section { name: string; addr: number; offset: number; size: number }

function sections(app: string): Section[] {
  const out = execFileSync('readelf', ['-SW', app], { encoding: 'utf8' });
  const rows: Section[] = [];
  for (const m of out.matchAll(/^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/gm))
    rows.push({ name: m[1]!, addr: parseInt(m[2]!, 16), offset: parseInt(m[3]!, 16), size: parseInt(m[4]!, 16) });
  return rows;
}

function symbols(app: string): Map<string, number> {
  const out = execFileSync('nm', [app], { encoding: 'utf8' });
  const map = new Map<string, number>();
  for (const m of out.matchAll(/^([0-9a-f]+) \S (\S+)$/gm)) map.set(m[2]!, parseInt(m[1]!, 16));
  return map;
}

const sectionOf = (secs: Section[], addr: number): string =>
  secs.find((s) => s.size > 0 && addr >= s.addr && addr < s.addr + s.size)?.name ?? '(none)';

/** The bytes of a section as stored in the file, as latin1 text. */
function contents(app: string, section: string): string {
  const sec = sections(app).find((s) => s.name === section);
  if (!sec) return '';
  return readFileSync(app).subarray(sec.offset, sec.offset + sec.size).toString('latin1');
}

const spec = (tag: string, isStatic: boolean): DeploymentSpec => ({
  tag,
  fixture: 'calls',
  sharing: 'dss',
  static: isStatic,
  compartments: [
    { name: 'comp1', mechanism: 'vmept', libs: ['libA'] },
    { name: 'comp2', mechanism: 'vmept', libs: ['libB'] },
    { name: 'comp3', mechanism: 'vmept', libs: ['libC'] },
    { name: 'empty', mechanism: 'vmept', libs: [] },
  ],
});

const apps = new Map<string, string>();
beforeAll(async () => {
  apps.set('dynamic', await buildDeployment(spec('linker-dynamic', false)));
  apps.set('static', await buildDeployment(spec('linker-static', true)));
}, 300_000);

describe.each(['dynamic', 'static'])('a %s link', (kind) => {
  test('puts every object in its compartment section', () => {
    const app = apps.get(kind)!;
    const secs = sections(app);
    const syms = symbols(app);
    const where = (sym: string) => sectionOf(secs, syms.get(sym) ?? -1);
    expect(where('a_calls')).toBe('.bss_comp0');
    expect(where('b_calls')).toBe('.bss_comp1');
    expect(where('c_calls')).toBe('.bss_comp2');
    expect(where('shared_total')).toBe('.data_shared');
    expect(where('a_square')).toBe('.text_shared');
    expect(where('flexos_comp_rt_page')).not.toMatch(/comp|shared/);
    expect(where('flexos_compartments')).not.toMatch(/comp\d|shared/);
    expect(contents(app, '.rodata_comp0')).toContain('calls fixture');
    expect(contents(app, '.rodata_comp1')).toContain('b_sum6(%d');
    expect(contents(app, '.rodata_comp2')).toContain('c_negate -> ');
    expect(contents(app, '.data_shared')).toContain('banana');
    expect(contents(app, '.rodata')).not.toContain('calls fixture');
  });

  test('page-aligns each section and brackets it with its symbols', () => {
    const app = apps.get(kind)!;
    const secs = sections(app);
    const syms = symbols(app);
    const names = ['data_shared', ...[0, 1, 2, 3].flatMap((n) => [`data_comp${n}`, `bss_comp${n}`, `rodata_comp${n}`])];
    for (const n of names) {
      const start = syms.get(`__flexos_${n}_start`);
      const end = syms.get(`__flexos_${n}_end`);
      expect([n, start !== undefined && end !== undefined]).toEqual([n, true]);
      expect([n, start! % 4096, end! % 4096]).toEqual([n, 0, 0]);
      const sec = secs.find((s) => s.name === `.${n}`);
      if (sec && sec.size > 0) expect([n, sec.addr, sec.addr + sec.size]).toEqual([n, start, end]);
      else expect([n, end! - start!]).toEqual([n, 0]);
    }
    expect(syms.get('__flexos_data_comp3_end')! - syms.get('__flexos_data_comp3_start')!).toBe(0);
  });

  test('runs, with an idle process for the empty compartment', () => {
    const r = runNative(apps.get(kind)!);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('pingpong = 6\n');
  });
});
