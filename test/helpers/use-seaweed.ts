import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { s3ClientConfig } from '../../output/s3-store';
import { startSeaweed, type SeaweedServer } from './seaweedfs';

/**
 * SeaweedFS with one bucket for a test file: started in beforeAll and awaited inside each test
 * (`await seaweed.ready`), so a missing `weed` fails the tests instead of skipping them; the
 * AWS_* environment points at it for the file's duration; afterAll takes down whatever the
 * set-up got to, even when no test awaited it.
 */
export function useSeaweedBucket(bucket: string): { readonly ready: Promise<void>; readonly client: S3Client; readonly weed: SeaweedServer } {
  let weed: SeaweedServer | undefined;
  let client: S3Client | undefined;
  let ready: Promise<void> | undefined;
  const saved = { ...process.env };
  beforeAll(() => {
    ready = (async () => {
      weed = await startSeaweed();
      Object.assign(process.env, weed.env);
      client = new S3Client(s3ClientConfig(process.env, 3));
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    })();
    ready.catch(() => undefined);
  });
  afterAll(async () => {
    await ready?.catch(() => undefined);
    process.env = saved;
    client?.destroy();
    await weed?.stop();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`SeaweedFS ${what} used before the set-up finished: await seaweed.ready first`);
    return value;
  };
  return {
    get ready() {
      return started(ready, 'set-up');
    },
    get client() {
      return started(client, 'client');
    },
    get weed() {
      return started(weed, 'server');
    },
  };
}
