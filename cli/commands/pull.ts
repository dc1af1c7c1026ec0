/** `gsweep pull`: copies a sweep in an object store into a local directory every reader understands. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { pullOut } from '../../output/pull';
import { S3Store } from '../../output/s3-store';
import { isS3Url } from '../../output/store';
import { RequestError } from '../../request/request';
import { log } from '../log';
import { outArgument } from '../store-out';

export function register(program: Command): void {
  program
    .command('pull')
    .description('copy a sweep in an object store (s3://bucket/prefix) into a local directory that every gsweep command and gmat-sweep reads')
    .argument('<s3-out>')
    .argument('<dir>', 'a new or empty directory')
    .action(async (out: string, dir: string) => {
      const url = outArgument(out);
      if (!isS3Url(url)) throw new RequestError('out', `${out} is a local directory already; give an s3://bucket/prefix address to pull`);
      const target = path.resolve(dir);
      if (fs.existsSync(target) && (!fs.statSync(target).isDirectory() || fs.readdirSync(target).length > 0)) {
        throw new RequestError('dir', `${target} is not a new or empty directory; give a new one`);
      }
      const store = new S3Store(url);
      try {
        await store.checkAccess();
      } catch (err) {
        throw new RequestError('out', (err as Error).message);
      }
      const files = await pullOut(store, target);
      if (files === 0) throw new RequestError('out', `${url} holds nothing; give the prefix a sweep wrote`);
      log(`gsweep: pulled ${files} files of ${url}`);
      process.stdout.write(`${target}\n`);
    });
}
