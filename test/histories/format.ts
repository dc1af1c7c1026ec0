/**
 * Reads and writes workflow histories as Temporal's canonical proto3 JSON (the format of
 * `temporal workflow show --output json` and of the SDK's `historyToJSON`).
 *
 * Why not the SDK's `historyToJSON` / `historyFromJSON` directly: in this install npm could
 * not hoist protobufjs 8 (`@grpc/proto-loader` pins ^7 at the top level), so
 * `@temporalio/common` and `@temporalio/proto` each got their own protobufjs 8 copy, and
 * common's protojson rejects proto's types ("TypeError: type must be a Type"). The same
 * protojson code is used here through @temporalio/proto's own copy, so files are identical
 * to what the SDK writes, and `Worker.runReplayHistories` gets decoded History messages.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

type History = proto.temporal.api.history.v1.IHistory;

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

const protoDir = path.dirname(require.resolve('@temporalio/proto/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] })) as ProtoJson;
// The CommonJS module object itself (an ESM namespace wrapper, as vitest makes of `import *`,
// has extra keys that patchProtobufRoot would walk into).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const protoModule = require('@temporalio/proto') as typeof proto;
const historyType = (patchProtobufRoot(protoModule) as unknown as { lookupType(name: string): unknown }).lookupType(
  'temporal.api.history.v1.History',
);

export function historyToJsonText(history: History): string {
  return `${JSON.stringify(protojson.toJson(historyType, protoModule.temporal.api.history.v1.History.fromObject(history)), null, 2)}\n`;
}

export function historyFromJsonText(text: string): History {
  const history = protojson.fromJson(historyType, JSON.parse(text), { ignoreUnknownFields: true }) as History | null;
  if (!history?.events?.length) throw new Error('not a workflow history (no events)');
  return history;
}

/** Histories of sweeps that run in batches (recorded by record.ts). */
export const HISTORIES_DIR = __dirname;
/** Histories recorded before batches, one activity per run: running sweeps of that code must still replay. */
export const PER_RUN_HISTORIES_DIR = path.join(__dirname, 'per-run');

/** Every recorded history: `{ workflowId, history }` per file, sorted by file name. */
export function loadRecordedHistories(dir = HISTORIES_DIR): { file: string; workflowId: string; history: History }[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const history = historyFromJsonText(fs.readFileSync(path.join(dir, file), 'utf8'));
      const started = history.events![0]!.workflowExecutionStartedEventAttributes;
      if (!started) throw new Error(`${file}: the first event is not WorkflowExecutionStarted`);
      return { file, workflowId: file.replace(/\.json$/, ''), history };
    });
}
