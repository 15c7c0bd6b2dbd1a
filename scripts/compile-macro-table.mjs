// Build step (npm run build / prepare, after tsc): the bundled macro table as JSON, so that no
// process pays for reading the YAML (src/parse/macro-table.ts, BUNDLED_MACRO_CACHE). Written to
// a temporary file and renamed, so a reader never sees half of it. A table that does not read
// stops the build with the message (file:line:col) the tool itself would give.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { BUNDLED_MACRO_CACHE, bundledMacroCache } from '../dist/parse/macro-table.js';

let cache;
try {
  cache = bundledMacroCache();
} catch (err) {
  process.stderr.write(`compile-macro-table: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
const temporary = `${BUNDLED_MACRO_CACHE}.${process.pid}.tmp`;
try {
  writeFileSync(temporary, cache);
  renameSync(temporary, BUNDLED_MACRO_CACHE);
} catch (err) {
  rmSync(temporary, { force: true });
  process.stderr.write(`compile-macro-table: cannot write ${BUNDLED_MACRO_CACHE} (${err.code ?? err.message}); the tool reads the YAML instead\n`);
}
