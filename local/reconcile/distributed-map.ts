import { randomUUID } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { limitConcurrency } from '../../src/core/limit';
import { flattenedJsonLines, inventoryItems, listedItems } from './item-readers';

/**
 * Runs the reconcile state machine's definition on this machine: its Choice states (`IsPresent`),
 * and each Distributed Map's ItemReader, ItemBatcher (items and bytes per batch, BatchInput),
 * MaxConcurrency, ToleratedFailurePercentage and ResultWriter, with every batch sent to `invoke`
 * (the reconcile function on the local function host). It reads the very definition the stack
 * deploys, so what it runs is what Step Functions would be given — it interprets only the parts of
 * the States Language that definition uses, and refuses anything else.
 */

type Json = Record<string, unknown>;

export interface LocalMapOptions {
  definition: Json;
  input: Json;
  s3: S3Client;
  invoke: (batch: unknown) => Promise<unknown>;
  /** Batches in flight at once here (the definition's MaxConcurrency is far beyond one machine). */
  concurrency: number;
  onBatch?: (state: string, done: number) => void;
}

export interface LocalExecution {
  status: 'SUCCEEDED' | 'FAILED';
  output: Json;
  error?: string;
  cause?: string;
}

/** A reference path (`$.a.b`) or a plain value. */
function resolvePath(path: string, data: Json): unknown {
  if (path === '$') return data;
  if (!path.startsWith('$.')) throw new Error(`local map: unsupported path ${path}`);
  return path
    .slice(2)
    .split('.')
    .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Json)[k] : undefined), data);
}

/** `Parameters`-style templates: `"name.$": "$.path"` takes the value at the path. */
function resolveTemplate(template: Json, data: Json): Json {
  return Object.fromEntries(
    Object.entries(template).map(([k, v]) => {
      if (k.endsWith('.$')) {
        const value = resolvePath(String(v), data);
        if (value === undefined)
          throw Object.assign(new Error(`The JSONPath ${String(v)} could not be found in the input`), { error: 'States.Runtime' });
        return [k.slice(0, -2), value];
      }
      return [k, v && typeof v === 'object' && !Array.isArray(v) ? resolveTemplate(v as Json, data) : v];
    }),
  );
}

function setPath(data: Json, path: string, value: unknown): Json {
  const keys = path.slice(2).split('.');
  const copy = structuredClone(data);
  let at: Json = copy;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Json;
  at[keys.at(-1)!] = value;
  return copy;
}

function readerFor(o: LocalMapOptions, reader: Json, data: Json): AsyncGenerator<unknown> {
  const p = resolveTemplate((reader.Parameters ?? {}) as Json, data);
  const config = (reader.ReaderConfig ?? {}) as Json;
  if (reader.Resource === 'arn:aws:states:::s3:getObject' && config.InputType === 'MANIFEST')
    return inventoryItems(o.s3, String(p.Bucket), String(p.Key));
  if (reader.Resource === 'arn:aws:states:::s3:listObjectsV2' && config.InputType === undefined)
    return listedItems(o.s3, String(p.Bucket), String(p.Prefix ?? ''));
  if (
    reader.Resource === 'arn:aws:states:::s3:listObjectsV2' &&
    config.InputType === 'JSONL' &&
    config.Transformation === 'LOAD_AND_FLATTEN'
  )
    return flattenedJsonLines(o.s3, String(p.Bucket), String(p.Prefix ?? ''));
  throw new Error(`local map: unsupported ItemReader ${JSON.stringify(reader)}`);
}

/** Groups items as ItemBatcher does: at most MaxItemsPerBatch items and MaxInputBytesPerBatch bytes of JSON. */
async function* batches(items: AsyncGenerator<unknown>, maxItems: number, maxBytes: number): AsyncGenerator<unknown[]> {
  let batch: unknown[] = [];
  let bytes = 0;
  for await (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item));
    if (batch.length > 0 && (batch.length >= maxItems || bytes + size > maxBytes)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length) yield batch;
}

interface ChildRecord {
  Name: string;
  Input: string;
  Output?: string;
  Status: 'SUCCEEDED' | 'FAILED';
  Error?: string;
  Cause?: string;
  StartDate: string;
  StopDate: string;
}

/** Writes the map run's results as ResultWriter does: `<Prefix>/<map run id>/SUCCEEDED_0.json`, `FAILED_0.json`, `manifest.json`. */
async function writeResults(s3: S3Client, writer: Json, mapRunId: string, mapRunArn: string, records: ChildRecord[]): Promise<Json> {
  const p = writer.Parameters as { Bucket: string; Prefix: string };
  const base = `${p.Prefix}/${mapRunId}`;
  const files: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', Array<{ Key: string; Size: number }>> = {
    SUCCEEDED: [],
    FAILED: [],
    PENDING: [],
  };
  for (const status of ['SUCCEEDED', 'FAILED'] as const) {
    const these = records.filter((r) => r.Status === status);
    if (these.length === 0) continue;
    const body = JSON.stringify(these.map((r) => ({ ...r, ExecutionArn: `${mapRunArn}:${r.Name}`, InputDetails: { Included: true } })));
    const key = `${base}/${status}_0.json`;
    await s3.send(new PutObjectCommand({ Bucket: p.Bucket, Key: key, Body: body }));
    files[status].push({ Key: key, Size: Buffer.byteLength(body) });
  }
  const manifestKey = `${base}/manifest.json`;
  await s3.send(
    new PutObjectCommand({
      Bucket: p.Bucket,
      Key: manifestKey,
      Body: JSON.stringify({ DestinationBucket: p.Bucket, MapRunArn: mapRunArn, ResultFiles: files }),
    }),
  );
  return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: p.Bucket, Key: manifestKey } };
}

async function runMap(o: LocalMapOptions, name: string, state: Json, data: Json): Promise<Json> {
  const batcher = state.ItemBatcher as { MaxItemsPerBatch: number; MaxInputBytesPerBatch: number; BatchInput: Json };
  const processor = state.ItemProcessor as { States: Record<string, Json> };
  if (Object.values(processor.States).some((s) => s.Resource !== 'arn:aws:states:::lambda:invoke'))
    throw new Error(`local map: ${name} runs something other than one Lambda invoke per batch`);
  const batchInput = resolveTemplate(batcher.BatchInput, data);
  const mapRunId = randomUUID();
  const mapRunArn = `arn:aws:states:local:000000000000:mapRun:local/${name}:${mapRunId}`;
  const records: ChildRecord[] = [];
  const run = limitConcurrency(o.concurrency, async (items: unknown[], index: number) => {
    const input = { Items: items, BatchInput: batchInput };
    const started = new Date().toISOString();
    try {
      const output = await o.invoke(input);
      records.push({
        Name: String(index),
        Input: JSON.stringify(input),
        Output: JSON.stringify(output),
        Status: 'SUCCEEDED',
        StartDate: started,
        StopDate: new Date().toISOString(),
      });
    } catch (e) {
      const error = e as Error & { errorType?: string };
      records.push({
        Name: String(index),
        Input: JSON.stringify(input),
        Status: 'FAILED',
        Error: error.errorType ?? error.name,
        Cause: error.message,
        StartDate: started,
        StopDate: new Date().toISOString(),
      });
    }
    o.onBatch?.(name, records.length);
  });
  const running: Array<Promise<void>> = [];
  let index = 0;
  const reader = state.ItemReader as Json;
  try {
    for await (const batch of batches(readerFor(o, reader, data), batcher.MaxItemsPerBatch, batcher.MaxInputBytesPerBatch)) {
      running.push(run(batch, index++));
    }
  } catch (e) {
    await Promise.allSettled(running);
    // As Step Functions fails a map whose reader cannot read its source.
    const where = resolveTemplate((reader.Parameters ?? {}) as Json, data);
    throw Object.assign(new Error(`${name} could not read its items (${JSON.stringify(where)}): ${(e as Error).message}`), {
      error: 'States.ItemReaderFailed',
    });
  }
  await Promise.all(running);
  const failed = records.filter((r) => r.Status === 'FAILED').length;
  const result = await writeResults(o.s3, state.ResultWriter as Json, mapRunId, mapRunArn, records);
  const tolerated = Number(state.ToleratedFailurePercentage ?? 0);
  if (records.length > 0 && (failed / records.length) * 100 > tolerated) {
    throw Object.assign(
      new Error(
        `${failed} of ${records.length} batches failed (tolerated: ${tolerated}%); results in s3://${(result.ResultWriterDetails as Json).Bucket}/${(result.ResultWriterDetails as Json).Key}`,
      ),
      {
        error: 'States.ExceedToleratedFailureThreshold',
      },
    );
  }
  return result;
}

export async function runDefinitionLocally(o: LocalMapOptions): Promise<LocalExecution> {
  const states = o.definition.States as Record<string, Json>;
  let data: Json = structuredClone(o.input);
  let name = String(o.definition.StartAt);
  try {
    for (;;) {
      const state = states[name];
      if (!state) throw new Error(`local map: no state ${name}`);
      if (state.Type === 'Succeed') return { status: 'SUCCEEDED', output: data };
      if (state.Type === 'Choice') {
        const choices = state.Choices as Array<{ Variable: string; IsPresent: boolean; Next: string }>;
        const hit = choices.find((c) => {
          if (c.IsPresent === undefined) throw new Error(`local map: unsupported choice rule ${JSON.stringify(c)}`);
          return (resolvePath(c.Variable, data) !== undefined) === c.IsPresent;
        });
        name = hit ? hit.Next : String(state.Default);
        continue;
      }
      if (state.Type === 'Map') {
        const result = await runMap(o, name, state, data);
        data = setPath(data, String(state.ResultPath), result);
        name = String(state.Next);
        continue;
      }
      throw new Error(`local map: unsupported state type ${String(state.Type)}`);
    }
  } catch (e) {
    const error = e as Error & { error?: string };
    return { status: 'FAILED', output: data, error: error.error ?? 'States.Runtime', cause: error.message };
  }
}
