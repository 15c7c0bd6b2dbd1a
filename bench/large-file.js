// The large-file row of `npm run bench` (issue 12): one generated C file of ~10 MB (functions with
// whitelisted globals and locals, gates and an ungated cross-library call for port to propose),
// so that a cost quadratic in file size shows. Written under .cache/, never committed.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FUNCTION = (i) => `
static int g${i} __attribute__((flexos_whitelist)) = ${i};

int f${i}(int n)
{
	__attribute__((flexos_whitelist)) int v = n;
	int r = 0;

	flexos_gate(libb, b_touch, &v);
	flexos_gate_r(libb, r, b_add, v, g${i});
	b_touch(&g${i});
	return r + v;
}
`;

/** Writes the tree (liba/a.c of about `bytes` bytes, libb, a 2-compartment config) into `dir`; returns the config path. */
export function writeLargeTree(dir, bytes) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'liba'), { recursive: true });
  mkdirSync(join(dir, 'libb', 'include'), { recursive: true });
  writeFileSync(join(dir, 'liba', 'Makefile.uk'), '$(eval $(call addlib,liba))\nLIBA_SRCS-y += $(LIBA_BASE)/a.c\n');
  writeFileSync(join(dir, 'libb', 'Makefile.uk'), '$(eval $(call addlib,libb))\nLIBB_SRCS-y += $(LIBB_BASE)/b.c\n');
  writeFileSync(join(dir, 'libb', 'exportsyms.uk'), 'b_touch\nb_add\n');
  writeFileSync(join(dir, 'libb', 'include', 'b.h'), 'void b_touch(int *p);\nint b_add(int x, int y);\n');
  writeFileSync(join(dir, 'libb', 'b.c'), '#include <b.h>\n\nvoid b_touch(int *p)\n{\n\t*p += 1;\n}\n\nint b_add(int x, int y)\n{\n\treturn x + y;\n}\n');
  const parts = ['#include <flexos/isolation.h>\n#include <b.h>\n'];
  let size = parts[0].length;
  for (let i = 0; size < bytes; i++) {
    const f = FUNCTION(i);
    parts.push(f);
    size += f.length;
  }
  writeFileSync(join(dir, 'liba', 'a.c'), parts.join(''));
  const config = join(dir, 'vmept-2.yaml');
  writeFileSync(
    config,
    'compartments:\n  - name: a\n    mechanism: { driver: vmept }\n    default: true\n  - name: b\n    mechanism: { driver: vmept }\nlibraries:\n  liba: { compartment: a }\n  libb: { compartment: b }\nsharing: dss\n',
  );
  return config;
}
