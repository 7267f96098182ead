import { z } from 'zod';
import { formatExactDuration } from './duration.js';
import { leafRegistry } from './leaf.js';
import { CONFIG_KEYS, defaultTree } from './keys.js';
import { configSchema } from './schema.js';

// The files users read, made from the schema so they cannot drift from it:
// config/default.json, config/schema.json and config/keys.md. `pnpm config:files`
// writes them; a test fails when a checked-in copy differs.

/** JSON Schema (draft 2020-12) for a config file: every key optional, with its default and description. */
export function configJsonSchema(): Record<string, unknown> {
  const groups = groupsOf(configSchema);
  const schema = z.toJSONSchema(configSchema, {
    io: 'input',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      // Every key is optional in a file: layering fills in the defaults. (Inside an entry
      // of a list of records, such as a user-defined check, required fields stay required.)
      if (groups.has(zodSchema)) delete jsonSchema.required;
      const meta = leafRegistry.get(zodSchema);
      if (meta === undefined) {
        // A group: its keys are known, so an editor can flag a typo as the loader does.
        if (jsonSchema.type === 'object' && jsonSchema.properties !== undefined) jsonSchema.additionalProperties = false;
        return;
      }
      jsonSchema.description = meta.description;
      jsonSchema.default = meta.default;
      if (meta.kind === 'duration' && meta.range !== undefined) {
        // The number branch of a duration gets the range; the string branch its form.
        jsonSchema.anyOf = [
          { type: 'number', minimum: meta.range.min, maximum: meta.range.max, description: 'milliseconds' },
          { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h)?\\s*$', description: 'a duration like "500ms", "5s", "2m"' },
        ];
        delete jsonSchema.type;
      }
    },
  }) as Record<string, unknown>;
  const properties = schema['properties'] as Record<string, unknown>;
  return {
    $schema: schema['$schema'],
    title: 'mpm-supervise configuration',
    description: 'Every key is optional. Precedence: command-line flags > MPM_* environment variables > this file > defaults.',
    type: 'object',
    properties: { $schema: { type: 'string', description: 'The JSON Schema of this file, for editors' }, ...properties },
    additionalProperties: false,
  };
}

/** The config's groups (`health`, `health.thresholds`, …): objects whose keys are all optional in a file. */
function groupsOf(schema: z.ZodType, into = new Set<unknown>()): Set<unknown> {
  if (leafRegistry.get(schema) !== undefined || !(schema instanceof z.ZodObject)) return into;
  into.add(schema);
  for (const child of Object.values(schema.shape as Record<string, z.ZodType>)) groupsOf(child, into);
  return into;
}

/** config/default.json: every key at its default. */
export function defaultConfigDocument(): Record<string, unknown> {
  return { $schema: './schema.json', ...defaultTree() };
}

/** config/keys.md: one row per key, for people who read before they configure. */
export function keysMarkdown(): string {
  const rows = CONFIG_KEYS.map((key) => {
    const { meta } = key;
    const fallback = meta.kind === 'duration' && typeof meta.default === 'number' ? formatExactDuration(meta.default) : JSON.stringify(meta.default);
    const range = meta.range === undefined ? '' : meta.kind === 'duration' ? `${formatExactDuration(meta.range.min)}–${formatExactDuration(meta.range.max)}` : `${meta.range.min}–${meta.range.max}`;
    const cells = [`\`${key.path}\``, `\`${key.env}\``, meta.flag === undefined ? '' : `\`${meta.flag}\``, `\`${fallback}\``, range, APPLIES[meta.applies], meta.description];
    return `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  });
  return [
    '# Configuration keys',
    '',
    'Generated from `packages/config/src/schema.ts` by `pnpm config:files`; do not edit by hand.',
    '',
    'Precedence: flags > `MPM_*` environment variables > the `--config` file > defaults. Keys ending in `Ms`',
    'take milliseconds or a duration string (`"500ms"`, `"5s"`, `"2m"`, `"1h"`). A number outside its range is',
    'corrected to the nearest bound with a warning. "On reload" says when a value changed by SIGHUP takes effect.',
    '',
    '| key | environment | flag | default | range | on reload | description |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

const APPLIES = { now: 'at once', next_restart: 'next child restart', supervisor_restart: 'supervisor restart' } as const;
