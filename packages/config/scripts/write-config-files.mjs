// Writes the config files users read (config/default.json, schema.json, keys.md) from
// the schema in packages/config/src. Run through `pnpm config:files` (builds first).
import { writeFileSync } from 'node:fs';
import { configJsonSchema, defaultConfigDocument, keysMarkdown } from '../dist/index.js';

const folder = new URL('../../../config/', import.meta.url);
const json = (value) => `${JSON.stringify(value, null, 2)}\n`;
writeFileSync(new URL('default.json', folder), json(defaultConfigDocument()));
writeFileSync(new URL('schema.json', folder), json(configJsonSchema()));
writeFileSync(new URL('keys.md', folder), keysMarkdown());
console.log('wrote config/default.json, config/schema.json, config/keys.md');
