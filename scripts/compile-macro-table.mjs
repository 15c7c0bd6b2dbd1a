// Build step (npm run build / prepare, after tsc): the bundled macro table as JSON, so that no
// process pays for reading the YAML (src/parse/macro-table.ts, BUNDLED_MACRO_CACHE). Written to
// a temporary file and renamed, so a reader never sees half of it.
import { renameSync, writeFileSync } from 'node:fs';
import { BUNDLED_MACRO_CACHE, bundledMacroCache } from '../dist/parse/macro-table.js';

const temporary = `${BUNDLED_MACRO_CACHE}.${process.pid}.tmp`;
writeFileSync(temporary, bundledMacroCache());
renameSync(temporary, BUNDLED_MACRO_CACHE);
