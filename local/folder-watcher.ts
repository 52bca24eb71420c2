import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join, resolve } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { collectInput, contentTypeOf, type InputFile } from './input-files';
import type { LocalPipeline } from './local-pipeline';
import type { UploadRecord } from './run-report';

export interface FolderWatcherOptions {
  /** The environment's key prefix: dropped files land where it ingests (prod: `incoming/`). */
  prefix: string;
  /** A file must keep its size and mtime this long before it is uploaded (a write in progress). @default 500 */
  settleMs?: number;
  /** Quiet period after a change event before the file is looked at. @default 300 */
  debounceMs?: number;
  onUploaded?: (u: UploadRecord) => void;
  onProblem?: (path: string, problem: string) => void;
}

const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fingerprint = (path: string): string | null => {
  const s = statSync(path, { throwIfNoEntry: false });
  return s?.isFile() ? `${s.size}:${s.mtimeMs}` : null;
};

/**
 * Mirrors a folder into the local bucket, as `npm start -- --watch DIR` promises: every file ends up
 * in the bucket with its final content, once per version.
 *
 * - On start it catches up: files that are not in the bucket, or differ from it (MD5 against the
 *   listed ETag), are uploaded — dropped while no watcher ran (a kill, a restart) included.
 * - A file is uploaded only once its size and mtime held still for `settleMs` (a copy or a download
 *   in progress writes in chunks), and only if it still exists then (a `name.part` renamed away
 *   is not uploaded).
 * - Uploads of one key are serialized; after each, the file is looked at again, and uploaded again
 *   if it changed meanwhile: the last upload always carries the file's final content.
 */
export class FolderWatcher {
  public readonly root: string;
  private watcher?: FSWatcher;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Per key: the upload chain (serialized), and the MD5 of what the bucket holds from us. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly uploadedMd5 = new Map<string, string>();
  private readonly uploads = new Map<string, UploadRecord>();

  public constructor(
    private readonly pipeline: LocalPipeline,
    dir: string,
    private readonly o: FolderWatcherOptions,
  ) {
    this.root = resolve(dir);
  }

  /** Keys this watcher uploaded (for the live lines: "written by another client" otherwise). */
  public isOurs(key: string): boolean {
    return this.uploadedMd5.has(key);
  }

  /** The last upload of each key: a key overwritten three times is one object, with its last upload's time. */
  public lastUploads(): UploadRecord[] {
    return [...this.uploads.values()];
  }

  /** Catches up with the bucket, then follows the folder. Returns how many files the catch-up sent. */
  public async start(): Promise<number> {
    const listed = await this.listBucket();
    const { files, problems } = collectInput([this.root], { root: this.root });
    for (const p of problems) this.o.onProblem?.(p.path, p.problem);
    let differing = 0;
    for (const f of files) {
      const key = `${this.o.prefix}${f.key}`;
      const etag = listed.get(key);
      if (etag !== undefined) this.uploadedMd5.set(key, etag);
      if (etag === md5(readFileSync(f.path))) continue;
      differing++;
      this.enqueue(f, key);
    }
    this.watcher = watch(this.root, { recursive: true }, (_event, name) => name && this.changed(join(this.root, name.toString())));
    return differing;
  }

  /** Stops watching and waits for every upload under way. */
  public async stop(): Promise<void> {
    this.watcher?.close();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    while (this.chains.size > 0) await Promise.all(this.chains.values());
  }

  private changed(path: string): void {
    clearTimeout(this.timers.get(path));
    this.timers.set(
      path,
      setTimeout(() => {
        this.timers.delete(path);
        if (!existsSync(path)) return;
        const { files, problems } = collectInput([path], { root: this.root });
        for (const p of problems) this.o.onProblem?.(p.path, p.problem);
        for (const f of files) this.enqueue(f, `${this.o.prefix}${f.key}`);
      }, this.o.debounceMs ?? 300),
    );
  }

  /** Appends an upload of `f` to its key's chain. */
  private enqueue(f: InputFile, key: string): void {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.settleAndUpload(f, key));
    this.chains.set(key, next);
    void next.finally(() => this.chains.get(key) === next && this.chains.delete(key));
  }

  private async settleAndUpload(f: InputFile, key: string): Promise<void> {
    // Wait until the file holds still: a write in progress changes its size or mtime.
    let before = fingerprint(f.path);
    for (;;) {
      if (before === null) return; // renamed or deleted while being written: nothing to upload
      await sleep(this.o.settleMs ?? 500);
      const after = fingerprint(f.path);
      if (after === before) break;
      before = after;
    }
    const bytes = readFileSync(f.path);
    const digest = md5(bytes);
    if (this.uploadedMd5.get(key) === digest) return;
    try {
      const { uploadedAt } = await this.pipeline.upload(key, bytes, contentTypeOf(key));
      this.uploadedMd5.set(key, digest);
      const record = { key, size: bytes.length, uploadedAt };
      this.uploads.set(key, record);
      this.o.onUploaded?.(record);
    } catch (e) {
      const record = { key, size: bytes.length, error: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
      this.uploads.set(key, record);
      this.o.onUploaded?.(record);
    }
    // Written to again while uploading: the bucket must end with the final content.
    const now = fingerprint(f.path);
    if (now !== before && now !== null) await this.settleAndUpload(f, key);
  }

  /** Every object under the prefix with its ETag (MD5 for single-part uploads). */
  private async listBucket(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let ContinuationToken: string | undefined;
    do {
      const page = await this.pipeline.clients.s3.send(
        new ListObjectsV2Command({ Bucket: this.pipeline.resources.bucket, Prefix: this.o.prefix || undefined, ContinuationToken }),
      );
      for (const o of page.Contents ?? []) if (o.Key && o.ETag) out.set(o.Key, o.ETag.replace(/"/g, ''));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return out;
  }
}
