import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { bundleDeployedHandler, type HandlerName } from '../bundling/bundle-handler';
import {
  encodedKeyFilters,
  eventPattern,
  notificationEvents,
  processorEnvironment,
  pusherEnvironment,
  reconcileEnvironment,
  resourceNames,
  type ResourceNames,
} from '../config/derive';
import type { PipelineConfig } from '../config/types';
import { partitionOf } from '../constructs/policy-document';
import type { AwsClients } from '../src/adapters/clients';
import { AsyncInvoker } from './async-invoker';
import { BatchedSender } from './batched-sender';
import { startEmulators, type EmulatorPorts, type Emulators } from './emulators';
import { eventBridgeDelivery } from './eventbridge-delivery';
import { EventSourceMapping } from './event-source-mapping';
import { FunctionHost } from './function-host';
import { LambdaEndpoint, type InvocableFunction } from './lambda-endpoint';
import { localAwsEnvironment, localClients, type LocalEndpoints } from './local-clients';
import { OutcomeLog } from './outcome-log';
import { RecentLogRecorder, recentLogsFile } from './recent-logs';
import { localResourceSpec, provision, type ProvisionedResources } from './resources';
import { lockDataFolder } from './data-lock';
import { describeRepair } from './torn-objects';
import { S3NotificationDelivery, s3TestEvent } from './s3-notifications';
import { IamEnforcement } from './iam/enforcement';
import type { TerraformJson } from './iam/synthesized-stack';

export interface LocalPipelineOptions {
  config: PipelineConfig;
  /** Where emulator data persists. */
  dataDir: string;
  reset?: boolean;
  ports?: EmulatorPorts;
  /**
   * Visibility timeout of each receive, i.e. seconds before a failed message is retried (see
   * EventSourceMapping). Never below the function timeout, or a message could be delivered again
   * while its first invocation still runs. null: the queue's own (6 × timeout + window), as on AWS.
   * @default the processor's timeout
   */
  retryVisibilitySeconds?: number | null;
  /** Point some of the functions' endpoints elsewhere (fault-injecting proxies in load and outage tests). */
  functionEndpoints?: (emulators: LocalEndpoints) => Promise<Partial<LocalEndpoints>>;
  /** May delay an S3 notification before delivery (reordering in load tests). */
  beforeDeliver?: (record: Record<string, unknown>) => Promise<void>;
  /** Deliver some notifications more than once (duplicates in load tests). */
  deliveryCopies?: (record: Record<string, unknown>) => number;
  /** Every function log line (for `--verbose`). */
  echoLogs?: (line: string) => void;
  onBatch?: (info: { size: number; failed: number; error?: string }) => void;
  /** Send S3's s3:TestEvent when the pipeline starts (direct mode). @default true */
  sendTestEvent?: boolean;
  /** Authorize every call against the synthesized stack's policies (`--no-iam` turns it off). @default true */
  iam?: boolean;
  /** Edits the synthesized stack before its policies are read (negative permission tests). */
  editStack?: (json: TerraformJson) => void;
  /** Fault injection: ms into an invocation of `functionName` after which it crashes, or null (`npm run load -- --crash`). */
  crashAfterMs?: (functionName: string) => number | null;
}

/** Where a running local pipeline announces its endpoints and resources. */
export const localEndpointsFile = (dataDir: string): string => join(dataDir, 'endpoints.json');

export interface RunningPipelineInfo {
  pid: number;
  environment: string;
  /** The resolved configuration the pipeline runs with. */
  config: PipelineConfig;
  region: string;
  endpoints: LocalEndpoints;
  resources: ProvisionedResources;
  /** Every resource's name, as the stack names it. */
  names: ResourceNames;
  /** Pusher mode, distributed reconcile: the local Lambda API (Invoke) in front of the pusher and the reconcile function. */
  lambdaEndpoint?: string;
}

export interface LocalPipeline {
  config: PipelineConfig;
  endpoints: LocalEndpoints;
  clients: AwsClients;
  resources: ProvisionedResources;
  outcomes: OutcomeLog;
  /** Things the start repaired that the user should hear about (objects torn by an earlier kill). */
  notices: string[];
  /** Called once if the emulators die on their own (a crash inside s3rver, dynalite or local-aws-sqs). */
  onEmulatorFailure(listener: (reason: string) => void): void;
  /** Pusher mode: the local Lambda API (Invoke) in front of the pusher. */
  lambdaEndpoint?: string;
  upload(key: string, body: Uint8Array | string, contentType?: string): Promise<{ uploadedAt: number; etag?: string }>;
  /**
   * Turns S3's notifications off and on again: writes in between reach no queue, as with a
   * notification configuration that is missing or wrong (tests of reconcile and backfill).
   */
  notifications: { pause(): void; resume(): void };
  /** Sends a raw body to the processing queue, as a foreign producer would. */
  injectMessage(body: string): Promise<string>;
  /** What was authorized and denied so far (or `enforced: false` with `iam: false`). */
  permissions(): Promise<LocalPermissions>;
  /** Resolves once nothing is pending anywhere: bridge, async invokes, batches, queue. */
  waitForDrain(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export type LocalPermissions = Awaited<ReturnType<IamEnforcement['report']>> | { enforced: false };

/** Reconcile batches at once on this machine (the stack's map runs hundreds): the host's environments and the local map's batches in flight. */
export const RECONCILE_LOCAL_CONCURRENCY = 4;

/** The ARN the stack gives a function, for the context's `invokedFunctionArn` and Lambda's destination records. */
const functionArn = (cfg: PipelineConfig, name: string): string =>
  `arn:${partitionOf(cfg.region)}:lambda:${cfg.region}:${cfg.accountId}:function:${name}`;

/** What every wiring step needs: the config, the emulators' clients and resources, and where to register a stop. */
interface Wiring {
  cfg: PipelineConfig;
  names: ResourceNames;
  clients: AwsClients;
  resources: ProvisionedResources;
  outcomes: OutcomeLog;
  /** The last processed objects and errors, for `npm run status -- --local`. */
  recent: RecentLogRecorder;
  /** What every function's environment holds besides the SDK's endpoints. */
  baseEnv: Record<string, string>;
  /** Where the functions' SDK calls go: the emulators (or fault proxies), each behind the IAM proxies when enforced. */
  functionEndpoints: LocalEndpoints;
  iam?: IamEnforcement;
  crashAfterMs?: LocalPipelineOptions['crashAfterMs'];
  onStop(stop: () => Promise<void>): void;
}

/** An SQS client that calls as `functionName`'s role (through its IAM proxy), or the runtime's own without IAM. */
function roleSqsClient(w: Wiring, functionName: string): AwsClients['sqs'] {
  if (!w.iam) return w.clients.sqs;
  const client = localClients(w.iam.functionEndpoints(functionName), w.cfg.region).sqs;
  w.onStop(async () => client.destroy());
  return client;
}

/** One deployed function on the local host: its bundle, the stack's environment plus the local endpoints. */
function hostFunction(
  w: Wiring,
  fn: {
    handler: HandlerName;
    name: string;
    memoryMb: number;
    timeoutSeconds: number;
    concurrency: number;
    environment: Record<string, string>;
  },
): FunctionHost {
  // Each function reaches the emulators through proxies that authorize as its own role.
  const endpoints = w.iam ? w.iam.functionEndpoints(fn.name) : w.functionEndpoints;
  const host = new FunctionHost({
    functionName: fn.name,
    functionArn: functionArn(w.cfg, fn.name),
    memoryMb: fn.memoryMb,
    runtime: w.cfg.runtime,
    bundleFile: bundleDeployedHandler(fn.handler, w.cfg.runtime).file,
    environment: {
      ...w.baseEnv,
      ...localAwsEnvironment(endpoints, w.cfg.region),
      ...fn.environment,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_EXECUTION_ENV: `AWS_Lambda_${w.cfg.runtime}`,
    },
    timeoutSeconds: fn.timeoutSeconds,
    concurrency: fn.concurrency,
    onLog: (line, name) => {
      w.outcomes.onLog(line, name);
      w.recent.onLog(line, name);
    },
    crashAfterMs: w.crashAfterMs ? () => w.crashAfterMs!(fn.name) : undefined,
  });
  w.onStop(() => host.stop());
  return host;
}

function startProcessor(w: Wiring): FunctionHost {
  const { cfg, resources } = w;
  return hostFunction(w, {
    handler: 'processor',
    name: w.names.processor,
    memoryMb: cfg.processor.memoryMb,
    timeoutSeconds: cfg.processor.timeoutSeconds,
    concurrency: cfg.processor.maxConcurrency,
    environment: processorEnvironment(cfg, { tableName: resources.tableName, deadLetterQueueUrl: resources.deadLetterQueueUrl }),
  });
}

/** Pusher mode: S3 invokes the pusher asynchronously, with Lambda's retries and on-failure destination. */
/**
 * Pusher mode: S3 invokes the pusher asynchronously, with Lambda's retries; failed events go to the
 * pusher's failure queue. Operators' tools reach the pusher through a local Lambda API endpoint.
 */
function startPusher(w: Wiring): { invoker: AsyncInvoker; api: InvocableFunction } {
  const { cfg, names, resources } = w;
  const host = hostFunction(w, {
    handler: 'pusher',
    name: names.pusher,
    memoryMb: cfg.pusher.memoryMb,
    timeoutSeconds: cfg.pusher.timeoutSeconds,
    // S3 invokes asynchronously; Lambda scales the pusher to the account limit. Locally: a few.
    concurrency: 4,
    environment: pusherEnvironment(cfg, { queueUrl: resources.queueUrl, deadLetterQueueUrl: resources.deadLetterQueueUrl }),
  });
  const invoker = new AsyncInvoker({
    host,
    functionArn: functionArn(cfg, names.pusher),
    maxRetryAttempts: cfg.pusher.maxRetryAttempts,
    retryDelaysSeconds: [1, 2],
    // Lambda sends the destination record with the function's role: through the pusher's IAM proxy.
    onFailure: { sqs: roleSqsClient(w, names.pusher), queueUrl: resources.pusherFailureQueueUrl! },
    onLost: (e) => w.outcomes.errors.push(`A pusher event was lost: its on-failure record could not be sent (${e.message})`),
  });
  return { invoker, api: { invoke: (event) => host.invoke(event), invokeAsync: (event) => invoker.invokeAsync(event) } };
}

/**
 * With `reconcile.distributed`: the reconcile function, invoked synchronously by the local map runner
 * (`npm run reconcile -- --local --distributed`) as the Distributed Map invokes it on AWS.
 */
function startReconcile(w: Wiring): InvocableFunction {
  const { cfg, names, resources } = w;
  const host = hostFunction(w, {
    handler: 'reconcile',
    name: names.reconcileFunction,
    memoryMb: cfg.reconcile.memoryMb,
    timeoutSeconds: cfg.reconcile.timeoutSeconds,
    concurrency: RECONCILE_LOCAL_CONCURRENCY,
    environment: reconcileEnvironment(cfg, { tableName: resources.tableName, queueUrl: resources.queueUrl, bucket: resources.bucket }),
  });
  return {
    invoke: (event) => host.invoke(event),
    invokeAsync: async () => {
      throw new Error('the reconcile function is invoked synchronously (RequestResponse) only');
    },
  };
}

/** The local Lambda API (Invoke) in front of the functions operators' tools call, when there are any. */
async function startLambdaEndpoint(w: Wiring, functions: Record<string, InvocableFunction>): Promise<string | undefined> {
  if (Object.keys(functions).length === 0) return undefined;
  const api = new LambdaEndpoint(functions);
  const endpoint = await api.start();
  w.onStop(() => api.stop());
  return endpoint;
}

/**
 * S3 → destination: the queue (direct mode), the pusher (pusher mode), as the notification says;
 * or, in eventbridge mode, every event to EventBridge, where the rule's pattern decides.
 */
function startBridge(
  w: Wiring,
  emulators: Emulators,
  deliver: (n: Notification) => Promise<void>,
  o: LocalPipelineOptions,
): S3NotificationDelivery {
  const { cfg } = w;
  const viaEventBridge = cfg.mode === 'eventbridge';
  const bridge = new S3NotificationDelivery({
    region: cfg.region,
    bucket: w.resources.bucket,
    events: viaEventBridge ? ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] : notificationEvents(cfg),
    filterPrefix: viaEventBridge ? '' : encodedKeyFilters(cfg).prefix,
    filterSuffix: viaEventBridge ? '' : encodedKeyFilters(cfg).suffix,
    configurationId: cfg.mode === 'pusher' ? 'to-pusher' : 'to-processing-queue',
    deliver,
    beforeDeliver: o.beforeDeliver,
    copies: o.deliveryCopies,
    onError: (e, key) => w.outcomes.errors.push(`S3 notification for "${key}" not delivered: ${e.message}`),
  });
  emulators.s3.on('event', bridge.listener);
  return bridge;
}

function startEventSourceMapping(
  w: Wiring,
  host: FunctionHost,
  retryVisibilitySeconds: number | null,
  onBatch: LocalPipelineOptions['onBatch'],
  enabled: boolean,
): EventSourceMapping {
  const p = w.cfg.processor;
  // AWS refuses to enable a mapping whose role may not read the queue: nothing is consumed then.
  if (!enabled) {
    w.outcomes.errors.push(
      'The event source mapping would not be enabled on AWS: the processor role may not receive from the queue (see Permissions)',
    );
  }
  const mapping = new EventSourceMapping({
    // The mapping acts with the processor's role, which IAM enforcement checks once, when the mapping
    // is created (as AWS does): policies do not change during a run, and proxying every poll cost a
    // fifth of the local throughput.
    sqs: w.clients.sqs,
    queueUrl: w.resources.queueUrl,
    queueArn: w.resources.queueArn,
    region: w.cfg.region,
    host,
    batchSize: p.batchSize,
    batchingWindowSeconds: p.batchingWindowSeconds,
    maxConcurrency: p.maxConcurrency,
    retryVisibilitySeconds,
    onBatch,
  });
  if (enabled) mapping.start();
  w.onStop(() => mapping.stop());
  return mapping;
}

async function queueDepth(sqs: AwsClients['sqs'], queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  const a = out.Attributes ?? {};
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/**
 * The whole pipeline on this machine: emulators, the resources the stack would create
 * (same config, same derivations), the bundles the stack would deploy (same entries, same
 * build, same environment variables plus local endpoints), and the AWS glue in between.
 */
/** How long a failed message stays invisible before its retry: the processor timeout unless a test shortens the wait. */
function retryVisibilityOf(o: LocalPipelineOptions): number | null {
  const timeout = o.config.processor.timeoutSeconds;
  const retryVisibility = o.retryVisibilitySeconds === undefined ? timeout : o.retryVisibilitySeconds;
  if (retryVisibility !== null && retryVisibility < timeout) {
    throw new Error(`retryVisibilitySeconds (${retryVisibility}) must be at least the processor timeout (${timeout} s)`);
  }
  return retryVisibility;
}

type Notification = { Records: Array<Record<string, unknown>> };

/**
 * Where the bucket's events go, per mode (the pusher's async invoke, EventBridge's rule, or the queue),
 * and only where the target's resource policy lets S3 or EventBridge deliver.
 */
function eventRoute(w: Wiring, asyncInvoker: AsyncInvoker | undefined): (n: Notification) => Promise<void> {
  const cfg = w.cfg;
  const sender = asyncInvoker ? undefined : new BatchedSender(w.clients.sqs, w.resources.queueUrl);
  const route =
    cfg.mode === 'eventbridge'
      ? eventBridgeDelivery({ pattern: eventPattern(cfg), accountId: cfg.accountId, send: (body) => sender!.send(body) })
      : (n: Notification) => (asyncInvoker ? asyncInvoker.invokeAsync(n) : sender!.send(JSON.stringify(n)));
  return async (n) => {
    const allowed = await w.iam?.deliveryAllowed();
    if (allowed && !allowed.allowed) throw new Error(`AccessDenied: ${allowed.message}`);
    await route(n);
  };
}

/** Lets other commands (`npm run dlq -- --local`) find this running pipeline; returns how to withdraw it. */
function publishRunningPipeline(dataDir: string, info: RunningPipelineInfo): () => Promise<void> {
  const file = localEndpointsFile(dataDir);
  writeFileSync(file, JSON.stringify(info, null, 2));
  return async () => rmSync(file, { force: true });
}

/**
 * The emulators on the data folder, locked first: a running pipeline's data is never reset or shared.
 * `stop` undoes everything pushed on `stops`, last first.
 */
async function startLockedEmulators(o: LocalPipelineOptions) {
  const cfg = o.config;
  const unlock = lockDataFolder(o.dataDir);
  let emulators: Emulators;
  try {
    emulators = await startEmulators({ dataDir: o.dataDir, reset: o.reset, ports: o.ports, accountId: cfg.accountId, region: cfg.region });
  } catch (e) {
    unlock();
    throw e;
  }
  const stops: Array<() => Promise<void>> = [async () => unlock(), () => emulators.stop()];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  return { emulators, stops, stop };
}

/** What every function and delivery of this run shares; IAM enforcement started when asked for. */
async function wire(
  o: LocalPipelineOptions,
  clients: AwsClients,
  resources: ProvisionedResources,
  endpoints: LocalEndpoints,
  stops: Array<() => Promise<void>>,
): Promise<Wiring> {
  const cfg = o.config;
  const iam = o.iam === false ? undefined : new IamEnforcement(cfg, o.editStack);
  if (iam) stops.push(() => iam.stop());
  const w: Wiring = {
    cfg,
    names: resourceNames(cfg),
    clients,
    resources,
    outcomes: new OutcomeLog(o.echoLogs),
    recent: new RecentLogRecorder(recentLogsFile(o.dataDir)),
    baseEnv: {
      PATH: process.env.PATH ?? '',
      // EMF documents would interleave with the report; unit tests assert the metrics the handlers emit.
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    functionEndpoints: { ...endpoints, ...(await o.functionEndpoints?.(endpoints)) },
    iam,
    crashAfterMs: o.crashAfterMs,
    onStop: (s) => stops.push(s),
  };
  stops.push(async () => w.recent.stop());
  await iam?.start(w.functionEndpoints);
  return w;
}

/** A client's upload to the local bucket, as `npm start` and the tests make it. */
async function uploadObject(w: Wiring, key: string, body: string | Uint8Array, contentType?: string) {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const out = await w.clients.s3.send(
    new PutObjectCommand({ Bucket: w.resources.bucket, Key: key, Body: bytes, ContentLength: bytes.byteLength, ContentType: contentType }),
  );
  return { uploadedAt: Date.now(), etag: out.ETag?.replace(/"/g, '') };
}

/** Resolves once `idle` holds twice in a row, 100 ms apart (a message can be between a receive and its batch). */
async function waitUntilIdle(idle: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let streak = 0;
  while (streak < 2) {
    if (Date.now() > deadline) throw new Error(`The pipeline did not drain within ${timeoutMs / 1000}s`);
    streak = (await idle()) ? streak + 1 : 0;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startLocalPipeline(o: LocalPipelineOptions): Promise<LocalPipeline> {
  const cfg = o.config;
  const retryVisibility = retryVisibilityOf(o);
  const { emulators, stops, stop } = await startLockedEmulators(o);
  try {
    const endpoints = emulators.endpoints;
    const clients = localClients(endpoints, cfg.region);
    // Their keep-alive sockets would otherwise outlive the emulators for a moment and hold the process.
    stops.push(async () => {
      for (const c of Object.values(clients)) c.destroy();
    });
    const resources = await provision(clients, localResourceSpec(cfg));
    const w = await wire(o, clients, resources, endpoints, stops);
    const iam = w.iam;
    const edges = await iam?.checkEdges();

    const processor = startProcessor(w);
    const pusher = cfg.mode === 'pusher' ? startPusher(w) : undefined;
    const asyncInvoker = pusher?.invoker;
    const lambdaEndpoint = await startLambdaEndpoint(w, {
      ...(pusher ? { [w.names.pusher]: pusher.api } : {}),
      ...(cfg.reconcile.distributed ? { [w.names.reconcileFunction]: startReconcile(w) } : {}),
    });
    const bridge = startBridge(w, emulators, eventRoute(w, asyncInvoker), o);
    const mapping = startEventSourceMapping(w, processor, retryVisibility, o.onBatch, edges?.mappingAllowed !== false);

    stops.push(
      publishRunningPipeline(o.dataDir, {
        pid: process.pid,
        environment: cfg.environment,
        config: cfg,
        region: cfg.region,
        endpoints,
        resources,
        names: w.names,
        lambdaEndpoint,
      }),
    );

    if (cfg.mode === 'direct' && o.sendTestEvent !== false) {
      await clients.sqs.send(new SendMessageCommand({ QueueUrl: resources.queueUrl, MessageBody: s3TestEvent(resources.bucket) }));
    }
    const idle = async () =>
      bridge.pending === 0 &&
      (asyncInvoker?.pending ?? 0) === 0 &&
      mapping.inFlight === 0 &&
      (await queueDepth(clients.sqs, resources.queueUrl)) === 0;

    return {
      config: cfg,
      endpoints,
      clients,
      resources,
      outcomes: w.outcomes,
      notices: [describeRepair(emulators.repaired)].filter((n): n is string => n !== undefined),
      onEmulatorFailure: (listener) => emulators.onFailure(listener),
      lambdaEndpoint,
      notifications: {
        pause: () => bridge.pause(),
        resume: () => bridge.resume(),
      },
      upload: (key, body, contentType) => uploadObject(w, key, body, contentType),
      permissions: async () => (iam ? iam.report() : { enforced: false }),
      injectMessage: async (body) =>
        (await clients.sqs.send(new SendMessageCommand({ QueueUrl: resources.queueUrl, MessageBody: body }))).MessageId!,
      waitForDrain: (timeoutMs = 120_000) => waitUntilIdle(idle, timeoutMs),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
