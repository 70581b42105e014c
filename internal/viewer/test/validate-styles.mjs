// Validates MapLibre style documents against the style specification.
// Usage: node validate-styles.mjs FILE...; prints each error and exits 1
// if any style is invalid.
import {readFile} from 'node:fs/promises';
import {validateStyleMin} from '@maplibre/maplibre-gl-style-spec';

let failed = 0;
for (const file of process.argv.slice(2)) {
    let style;
    try {
        style = JSON.parse(await readFile(file, 'utf8'));
    } catch (e) {
        console.error(`${file}: not JSON: ${e.message}`);
        failed++;
        continue;
    }
    const errors = validateStyleMin(style);
    for (const e of errors) console.error(`${file}: ${e.message}`);
    if (errors.length > 0) failed++;
    else console.log(`${file}: valid (${style.layers.length} layers)`);
}
if (process.argv.length <= 2) {
    console.error('no style files given');
    process.exit(2);
}
process.exit(failed > 0 ? 1 : 0);
