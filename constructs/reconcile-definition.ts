import { RECONCILE_LAYOUT } from '../config/derive';

/**
 * The distributed reconcile's Amazon States Language definition (JSONPath), as plain data: the
 * state machine deploys it, `asl-validator` checks it, and the local map runner
 * (`local/distributed-map.ts`) reads its ItemReader and ItemBatcher to run the same map.
 *
 * Execution input (what `npm run reconcile -- --distributed` starts it with):
 *   { "backfill": bool, "prefix": "…", "inventoryManifest"?: "<key of manifest.json>", "exportDataPrefix"?: "<export>/data/",
 *     "orphanShards"?: "<base64 shard bitmap>" }
 * A first execution compares the objects (from the inventory, or a listing without
 * `inventoryManifest`) and counts the export's live items per key shard (without `exportDataPrefix`,
 * no count). When some shards hold more live items than objects matched, the command starts a
 * second one with `orphanShards`: it checks those shards' items only (src/core/key-shards.ts).
 */
export interface ReconcileDefinitionSettings {
  functionArn: string;
  uploadsBucket: string;
  inventoryBucket: string;
  itemsPerBatch: number;
  maxConcurrency: number;
  toleratedFailurePercentage: number;
  /** Whole-execution limit. */
  timeoutSeconds: number;
}

/** Step Functions' limit on a child execution's input, less room for BatchInput. */
export const MAX_INPUT_BYTES_PER_BATCH = 240 * 1024;

/** Errors of the Lambda integration worth retrying (throttling and the service's own), per the Step Functions guide. */
const LAMBDA_TRANSIENT = [
  'Lambda.TooManyRequestsException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
];

export const STATE = {
  ROUTE: 'Route',
  OBJECTS_FROM_INVENTORY: 'ObjectsFromInventory',
  OBJECTS_FROM_LISTING: 'ObjectsFromListing',
  EXPORT_SOURCE: 'ExportSource',
  LIVE_ITEMS_FROM_EXPORT: 'LiveItemsFromExport',
  ORPHANS_FROM_EXPORT: 'OrphansFromExport',
  DONE: 'Done',
} as const;

/** The task in each map's child workflow: state names are unique across the whole machine, nested ones included. */
export const BATCH_TASK = {
  [STATE.OBJECTS_FROM_INVENTORY]: 'CompareInventoryBatch',
  [STATE.OBJECTS_FROM_LISTING]: 'CompareListedBatch',
  [STATE.LIVE_ITEMS_FROM_EXPORT]: 'CountExportBatch',
  [STATE.ORPHANS_FROM_EXPORT]: 'CheckExportBatch',
} as const;

export function reconcileDefinition(s: ReconcileDefinitionSettings): Record<string, unknown> {
  const itemProcessor = (task: string) => ({
    // Express children: a batch takes seconds; they cost a fraction of standard ones at a million batches.
    ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
    StartAt: task,
    States: {
      [task]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: s.functionArn, 'Payload.$': '$' },
        OutputPath: '$.Payload',
        Retry: [
          {
            ErrorEquals: LAMBDA_TRANSIENT,
            IntervalSeconds: 1,
            MaxAttempts: 6,
            BackoffRate: 2,
            MaxDelaySeconds: 30,
            JitterStrategy: 'FULL',
          },
          { ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 1, BackoffRate: 2 },
        ],
        End: true,
      },
    },
  });
  const map = (
    state: keyof typeof BATCH_TASK,
    pass: 'objects' | 'live' | 'orphans',
    itemReader: Record<string, unknown>,
    next: string,
  ) => ({
    Type: 'Map',
    ItemReader: itemReader,
    ItemBatcher: {
      MaxItemsPerBatch: s.itemsPerBatch,
      MaxInputBytesPerBatch: MAX_INPUT_BYTES_PER_BATCH,
      BatchInput: {
        pass,
        'backfill.$': '$.backfill',
        'prefix.$': '$.prefix',
        ...(pass === 'orphans' ? { 'shards.$': '$.orphanShards' } : {}),
      },
    },
    ItemProcessor: itemProcessor(BATCH_TASK[state]),
    MaxConcurrency: s.maxConcurrency,
    ToleratedFailurePercentage: s.toleratedFailurePercentage,
    ResultWriter: {
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { Bucket: s.inventoryBucket, Prefix: `${RECONCILE_LAYOUT.results}/${pass}` },
    },
    ResultPath: `$.results.${pass}`,
    Next: next,
  });
  // The export's data files are gzipped DynamoDB JSON lines: read and flattened by the map itself.
  const exportReader = {
    Resource: 'arn:aws:states:::s3:listObjectsV2',
    ReaderConfig: { InputType: 'JSONL', Transformation: 'LOAD_AND_FLATTEN' },
    Parameters: { Bucket: s.inventoryBucket, 'Prefix.$': '$.exportDataPrefix' },
  };
  return {
    Comment:
      'Reconcile the uploads bucket with the table: objects (inventory or listing) → missing/stale; export → live items per shard, then orphans.',
    StartAt: STATE.ROUTE,
    TimeoutSeconds: s.timeoutSeconds,
    States: {
      [STATE.ROUTE]: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.orphanShards', IsPresent: true, Next: STATE.ORPHANS_FROM_EXPORT },
          { Variable: '$.inventoryManifest', IsPresent: true, Next: STATE.OBJECTS_FROM_INVENTORY },
        ],
        Default: STATE.OBJECTS_FROM_LISTING,
      },
      [STATE.OBJECTS_FROM_INVENTORY]: map(
        STATE.OBJECTS_FROM_INVENTORY,
        'objects',
        {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'MANIFEST' },
          Parameters: { Bucket: s.inventoryBucket, 'Key.$': '$.inventoryManifest' },
        },
        STATE.EXPORT_SOURCE,
      ),
      [STATE.OBJECTS_FROM_LISTING]: map(
        STATE.OBJECTS_FROM_LISTING,
        'objects',
        { Resource: 'arn:aws:states:::s3:listObjectsV2', Parameters: { Bucket: s.uploadsBucket, 'Prefix.$': '$.prefix' } },
        STATE.EXPORT_SOURCE,
      ),
      [STATE.EXPORT_SOURCE]: {
        Type: 'Choice',
        Choices: [{ Variable: '$.exportDataPrefix', IsPresent: true, Next: STATE.LIVE_ITEMS_FROM_EXPORT }],
        Default: STATE.DONE,
      },
      [STATE.LIVE_ITEMS_FROM_EXPORT]: map(STATE.LIVE_ITEMS_FROM_EXPORT, 'live', exportReader, STATE.DONE),
      [STATE.ORPHANS_FROM_EXPORT]: map(STATE.ORPHANS_FROM_EXPORT, 'orphans', exportReader, STATE.DONE),
      [STATE.DONE]: { Type: 'Succeed' },
    },
  };
}
