/**
 * `s3://bucket/prefix` as a Store, through the AWS SDK and its own configuration chain:
 * `AWS_ENDPOINT_URL` (or a profile's `endpoint_url`), `AWS_REGION`, keys, profiles, SSO,
 * instance and pod roles. Stores other than AWS (MinIO, Ceph, SeaweedFS, ...) are reached
 * with path-style addressing, used whenever an endpoint is configured through the
 * environment (`GSWEEP_S3_PATH_STYLE=0` or `1` decides otherwise).
 *
 * Objects become visible only when their upload completes, so a reader never sees half of
 * one; large files go up as multipart uploads (@aws-sdk/lib-storage). An unreachable store
 * costs retries with backoff for up to GSWEEP_S3_RETRY_SECONDS (default 120 s) per operation,
 * not data; past that the activity that needed it fails and Temporal retries it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { OutAccessError } from './out-access';
import { appendAsPart, checkKey, ObjectChangedError, parseS3Url, type AccessOptions, type ListOptions, type S3Location, type Store, type StoreEntry } from './store';

const DEFAULT_MAX_ATTEMPTS = 3;
/** How long an operation keeps retrying a store that is down (GSWEEP_S3_RETRY_SECONDS). */
const DEFAULT_RETRY_SECONDS = 120;

/** A failure that waiting can cure: no answer at all, a 5xx, throttling. */
export function isTransient(err: unknown): boolean {
  const status = httpStatus(err);
  if (status !== undefined) return status >= 500 || status === 429 || status === 408;
  const name = errorName(err);
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  return (
    ['TimeoutError', 'RequestTimeout', 'NetworkingError', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ABORT_ERR'].includes(name) ||
    /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|UND_ERR_SOCKET)$/.test(code) ||
    /ECONNREFUSED|ECONNRESET|socket hang up|EPIPE|ETIMEDOUT|Service Unavailable/i.test((err as Error)?.message ?? '')
  );
}
const PART_SIZE = 8 * 1024 * 1024;

function errorName(err: unknown): string {
  return (err as { name?: string; Code?: string })?.name ?? (err as { Code?: string })?.Code ?? '';
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  const name = errorName(err);
  return name === 'NoSuchKey' || name === 'NotFound' || httpStatus(err) === 404;
}

/** Client settings from the SDK's chain plus what a non-AWS endpoint needs. */
export function s3ClientConfig(env: NodeJS.ProcessEnv = process.env, maxAttempts?: number): S3ClientConfig {
  const endpointSet = Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
  const pathStyle = env.GSWEEP_S3_PATH_STYLE === undefined ? endpointSet : env.GSWEEP_S3_PATH_STYLE === '1';
  const attempts = maxAttempts ?? (Number(env.GSWEEP_S3_MAX_ATTEMPTS) > 0 ? Number(env.GSWEEP_S3_MAX_ATTEMPTS) : DEFAULT_MAX_ATTEMPTS);
  return {
    forcePathStyle: pathStyle,
    maxAttempts: attempts,
    // Stores other than AWS often lack the newer default checksums; ask for them only where
    // the operation requires them (the SDK's own environment settings still win).
    ...(endpointSet && !env.AWS_REQUEST_CHECKSUM_CALCULATION ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const } : {}),
    ...(endpointSet && !env.AWS_RESPONSE_CHECKSUM_VALIDATION ? { responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
    // No region configured anywhere: S3's own default (AWS answers with a redirect when wrong).
    ...(env.AWS_REGION || env.AWS_DEFAULT_REGION || env.AWS_PROFILE ? {} : { region: 'us-east-1' }),
  };
}

const clients = new Map<number, S3Client>();
function sharedClient(maxAttempts?: number): S3Client {
  // gsweep pins its SDK version and supports the Node versions its engines field names; the
  // SDK's notice about its own future releases is not something a gsweep user can act on.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const config = s3ClientConfig(process.env, maxAttempts);
  const key = config.maxAttempts as number;
  let client = clients.get(key);
  if (!client) {
    client = new S3Client(config);
    clients.set(key, client);
  }
  return client;
}

export class S3Store implements Store {
  readonly url: string;
  readonly location: S3Location;
  readonly dir = undefined;
  private readonly client: S3Client;

  private readonly retryMs: number;

  constructor(url: string | S3Location, options: { client?: S3Client; maxAttempts?: number; retrySeconds?: number } = {}) {
    this.location = typeof url === 'string' ? parseS3Url(url) : url;
    this.url = this.location.url;
    this.client = options.client ?? sharedClient(options.maxAttempts);
    const fromEnv = Number(process.env.GSWEEP_S3_RETRY_SECONDS);
    this.retryMs = 1000 * (options.retrySeconds ?? (fromEnv >= 0 && process.env.GSWEEP_S3_RETRY_SECONDS ? fromEnv : DEFAULT_RETRY_SECONDS));
  }

  /**
   * `op`, tried again while the store does not answer (or answers 5xx) for up to the retry
   * window, with backoff: a store that restarts costs time, not the run. Other errors at once.
   */
  private async retrying<T>(op: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.retryMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await op();
      } catch (err) {
        if (!isTransient(err) || Date.now() >= deadline) throw err;
        const wait = Math.min(5000, 200 * 2 ** attempt) * (0.5 + Math.random() / 2);
        await new Promise((r) => setTimeout(r, Math.min(wait, Math.max(0, deadline - Date.now()))));
      }
    }
  }

  private objectKey(key: string): string {
    checkKey(key);
    return this.location.prefix ? `${this.location.prefix}/${key}` : key;
  }

  /** `s3://bucket/prefix/<key>`: how a file of the out is named to people and in the manifest. */
  urlOf(key: string): string {
    return `s3://${this.location.bucket}/${this.objectKey(key)}`;
  }

  get(key: string): Promise<Buffer | undefined> {
    return this.retrying(() => this.getOnce(key));
  }

  private async getOnce(key: string): Promise<Buffer | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }));
      return Buffer.from(await res.Body!.transformToByteArray());
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  getRange(key: string, start: number, end: number, version?: string): Promise<Buffer | undefined> {
    if (end <= start) return this.exists(key).then((e) => (e ? Buffer.alloc(0) : undefined));
    return this.retrying(async () => {
      try {
        const res = await this.client.send(
          new GetObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key), Range: `bytes=${start}-${end - 1}`, IfMatch: version }),
        );
        return Buffer.from(await res.Body!.transformToByteArray());
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (version !== undefined && httpStatus(err) === 412) throw new ObjectChangedError(`${this.urlOf(key)} changed since it was read`);
        // A range that starts at or past the end of the object: nothing there, as a file read says.
        if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) return Buffer.alloc(0);
        throw err;
      }
    });
  }

  put(key: string, data: string | Uint8Array): Promise<void> {
    return this.retrying(() => this.putOnce(key, data));
  }

  private async putOnce(key: string, data: string | Uint8Array): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key), Body: typeof data === 'string' ? Buffer.from(data) : data }));
  }

  putFile(key: string, file: string): Promise<void> {
    return this.retrying(() => this.putFileOnce(key, file));
  }

  private async putFileOnce(key: string, file: string): Promise<void> {
    const size = (await fs.promises.stat(file)).size;
    if (size <= PART_SIZE) {
      await this.putOnce(key, await fs.promises.readFile(file));
      return;
    }
    // Multipart: the object appears only when CompleteMultipartUpload succeeds.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.location.bucket, Key: this.objectKey(key), Body: fs.createReadStream(file) },
      partSize: PART_SIZE,
      queueSize: 4,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  getFile(key: string, file: string): Promise<boolean> {
    return this.retrying(() => this.getFileOnce(key, file));
  }

  private async getFileOnce(key: string, file: string): Promise<boolean> {
    let body: Readable;
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }));
      body = res.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      await pipeline(body, fs.createWriteStream(temp));
      await fs.promises.rename(temp, file);
    } catch (err) {
      await fs.promises.rm(temp, { force: true });
      throw err;
    }
    return true;
  }

  exists(key: string): Promise<boolean> {
    return this.retrying(() => this.existsOnce(key));
  }

  version(key: string): Promise<string | undefined> {
    return this.retrying(async () => {
      try {
        return (await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }))).ETag;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    });
  }

  private async existsOnce(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<StoreEntry> {
    if (prefix !== '') checkKey(prefix.replace(/\/$/, ''));
    const base = this.location.prefix ? `${this.location.prefix}/` : '';
    let token: string | undefined;
    do {
      const page = token;
      const res = await this.retrying(() =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: base + prefix, ContinuationToken: page, MaxKeys: 1000, ...(options.shallow ? { Delimiter: '/' } : {}) })),
      );
      for (const o of res.Contents ?? []) {
        if (!o.Key || !o.Key.startsWith(base)) continue;
        yield { key: o.Key.slice(base.length), size: o.Size ?? 0 };
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    await this.retrying(() => this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) })));
  }

  append(key: string, text: string): Promise<void> {
    return appendAsPart(this, key, text);
  }

  async deleteIf(key: string, test: (bytes: Buffer) => boolean): Promise<boolean> {
    const bytes = await this.get(key);
    if (!bytes || !test(bytes)) return false;
    await this.delete(key);
    return true;
  }

  async createExclusive(key: string, data: string | Uint8Array): Promise<boolean> {
    try {
      await this.retrying(() => this.client.send(
        new PutObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key), Body: typeof data === 'string' ? Buffer.from(data) : data, IfNoneMatch: '*' }),
      ));
      return true;
    } catch (err) {
      const status = httpStatus(err);
      // 412: the object exists. 409: a concurrent conditional write to the same key won.
      if (status === 412 || status === 409 || errorName(err) === 'PreconditionFailed') return false;
      throw err;
    }
  }

  /**
   * Checks, before a sweep starts, that the credentials work and the bucket exists; throws
   * OutAccessError, one sentence naming the fix. `emptyPrefix`: also refuse a prefix that
   * already holds objects.
   */
  async checkAccess(options: AccessOptions = {}): Promise<void> {
    if (options.singleRun) options = { ...options, emptyPrefix: true };
    const { bucket } = this.location;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (err) {
      throw new OutAccessError(describeAccessError(err, this.url, bucket));
    }
    if (options.emptyPrefix) {
      const base = this.location.prefix ? `${this.location.prefix}/` : '';
      let res;
      try {
        res = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: base, MaxKeys: 10 }));
      } catch (err) {
        throw new OutAccessError(describeAccessError(err, this.url, bucket));
      }
      const ignore = new Set(options.ignore ?? []);
      const found = (res.Contents ?? []).map((o) => (o.Key ?? '').slice(base.length)).filter((k) => !ignore.has(k));
      if (found.length > 0) {
        throw new OutAccessError(`${this.url} is not empty (it holds ${found[0]}${found.length > 1 ? ', ...' : ''}); give a new prefix (to finish an earlier sweep there, use \`gsweep resume ${this.url}\`)`);
      }
    }
  }
}

/** One sentence for what went wrong reaching a bucket, naming the fix. */
export function describeAccessError(err: unknown, url: string, bucket: string): string {
  const raw = errorName(err);
  const status = httpStatus(err);
  // A HEAD request's error has no body: the SDK names it "Unknown" or by its status.
  const name = raw === 'Unknown' || /^\d+$/.test(raw) ? '' : raw;
  const message = (err as Error)?.message ?? String(err);
  if (name === 'CredentialsProviderError' || /credential/i.test(name) || /Could not load credentials/i.test(message)) {
    return `${url}: no AWS credentials were found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or give the machine a role)`;
  }
  if (name === 'NoSuchBucket' || status === 404) {
    return `${url}: bucket ${bucket} does not exist on ${process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || 'the configured S3 endpoint'}; create it first (aws s3 mb s3://${bucket}) or give another bucket`;
  }
  if (
    status === 403 ||
    status === 401 ||
    ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden', 'InvalidToken', 'ExpiredToken'].includes(name)
  ) {
    return `${url}: the store refused these credentials (${name || `HTTP ${status}`}); check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or AWS_PROFILE, and that they may read and write bucket ${bucket}`;
  }
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT' || /ECONNREFUSED|ENOTFOUND|getaddrinfo/.test(message)) {
    return `${url}: cannot reach the S3 endpoint ${process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || '(AWS default)'} (${code ?? message}); check AWS_ENDPOINT_URL and that the store is running`;
  }
  return `${url}: the store refused access (${name || message}); check the endpoint, the credentials and the bucket`;
}

/** The Store of an out: `s3://...` or a local directory. */
export function isS3Store(store: Store): store is S3Store {
  return store instanceof S3Store;
}
