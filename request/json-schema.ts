/**
 * The sweep request as JSON Schema (draft 2020-12), generated from the zod schema that
 * validates it (`sweepRequestSchema`), so the two cannot disagree. The package ships it as
 * `schema/sweep-request.schema.json` for clients in other languages; `npm run schema`
 * regenerates the file, and test/request/json-schema.test.ts fails while it is out of date.
 *
 * The schema checks shapes only; `prepareRequest` checks the rest (override keys against the
 * script, counts, limits, paths) wherever the request is prepared.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { PACKAGE_ROOT } from '../output/package-info';
import { sweepRequestSchema } from './schema';

/** Where the package keeps the generated schema, relative to its root. */
export const SWEEP_REQUEST_SCHEMA_FILE = 'schema/sweep-request.schema.json';

export function sweepRequestJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(sweepRequestSchema) as Record<string, unknown>;
  return {
    $schema,
    title: 'gsweep sweep request',
    description:
      'A parameter sweep or Monte Carlo dispersion of a GMAT mission: give script and exactly one of grid, samples, monteCarlo, latinHypercube. ' +
      'Start it with gsweep (CLI, startSweep) or by workflow name: sweepWorkflow with this object as its only argument, on the task queue the gsweep workers poll; ' +
      'paths are then paths on the workers.',
    ...rest,
  };
}

/** The file's exact text: two-space JSON and a final newline. */
export function sweepRequestSchemaText(): string {
  return `${JSON.stringify(sweepRequestJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  const file = path.join(PACKAGE_ROOT, SWEEP_REQUEST_SCHEMA_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, sweepRequestSchemaText());
  process.stdout.write(`${path.relative(process.cwd(), file) || file}\n`);
}
