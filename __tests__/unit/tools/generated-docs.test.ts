import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_DIR } from '../../../config/load';
import { CONFIG_SCHEMA_FILE } from '../../../tools/config-docs';
import { GENERATED_DOCS, regenerate } from '../../../tools/commands/docs';

describe('generated docs', () => {
  it.each(GENERATED_DOCS.map((d) => [d.file.replace(/^.*\/(config|docs)\//, '$1/'), d] as const))(
    '%s is what the code generates (run `npm run docs`)',
    (_name, doc) => {
      expect(readFileSync(doc.file, 'utf8')).toBe(regenerate(doc));
    },
  );

  it('every shipped config names the schema, and uses only settings the schema knows', () => {
    const schema = JSON.parse(readFileSync(CONFIG_SCHEMA_FILE, 'utf8')) as {
      properties: Record<string, { properties?: Record<string, unknown>; anyOf?: Array<{ properties?: Record<string, unknown> }> }>;
    };
    for (const file of readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'))) {
      const config = JSON.parse(readFileSync(join(CONFIG_DIR, file), 'utf8')) as Record<string, unknown>;
      expect(config.$schema).toBe('./pipeline.schema.json');
      for (const [key, value] of Object.entries(config)) {
        const prop = schema.properties[key];
        expect({ file, key, known: prop !== undefined }).toEqual({ file, key, known: true });
        const fields = prop?.properties ?? prop?.anyOf?.find((a) => a.properties)?.properties;
        if (fields && value && typeof value === 'object' && key !== 'tags') {
          for (const field of Object.keys(value))
            expect({ file, field: `${key}.${field}`, known: field in fields }).toEqual({ file, field: `${key}.${field}`, known: true });
        }
      }
    }
  });
});
