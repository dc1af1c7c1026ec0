// request/json-schema.ts: the sweep request's JSON Schema, generated from the zod schema and
// shipped in the package as schema/sweep-request.schema.json.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SWEEP_REQUEST_SCHEMA_FILE, sweepRequestSchemaText } from '../../request/json-schema';
import { sweepRequestSchema } from '../../request/request';
import { REPO_ROOT } from '../helpers/temporal';

const committed = path.join(REPO_ROOT, SWEEP_REQUEST_SCHEMA_FILE);

describe('schema/sweep-request.schema.json', () => {
  it('is what `npm run schema` generates from sweepRequestSchema (regenerate it when the request changes)', () => {
    const text = fs.readFileSync(committed, 'utf8');
    expect(text, `${SWEEP_REQUEST_SCHEMA_FILE} is out of date: run \`npm run schema\` and commit it`).toBe(sweepRequestSchemaText());
  });

  it('describes every request field, and no other (the request is strict)', () => {
    const schema = JSON.parse(fs.readFileSync(committed, 'utf8')) as { $schema: string; type: string; properties: Record<string, unknown>; required: string[]; additionalProperties: boolean };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(sweepRequestSchema.shape).sort());
    expect(schema.required).toEqual(['script']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('is in the package: listed in `files` and exported as gsweep/schema/sweep-request.schema.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain(path.dirname(SWEEP_REQUEST_SCHEMA_FILE));
    // The package resolves its own name through `exports`, as an installed one would.
    expect(require.resolve('gsweep/schema/sweep-request.schema.json')).toBe(committed);
  });
});
