import validateAsl from 'asl-validator';
import { RECONCILE_LAYOUT } from '../../config/derive';
import {
  MAX_INPUT_BYTES_PER_BATCH,
  reconcileDefinition,
  STATE,
  type ReconcileDefinitionSettings,
} from '../../constructs/reconcile-definition';
import { makeConfig } from '../helpers/factories';
import { asList, policyOf, resourceOf, resourcesOf, synthPipeline } from '../helpers/synth';

const SETTINGS: ReconcileDefinitionSettings = {
  functionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:ingest-test-reconcile',
  uploadsBucket: 'uploads',
  inventoryBucket: 'inventory',
  itemsPerBatch: 1000,
  maxConcurrency: 300,
  toleratedFailurePercentage: 0,
  timeoutSeconds: 21600,
};

type Json = Record<string, unknown>;
const maps = (d: Json) => Object.entries(d.States as Record<string, Json>).filter(([, s]) => s.Type === 'Map');

/** The fields the Step Functions developer guide documents for each part of a Distributed Map ("ItemReader", "ItemBatcher", "ResultWriter"). */
const DOCUMENTED = {
  ItemReader: ['Resource', 'ReaderConfig', 'Parameters', 'Arguments'],
  ReaderConfig: [
    'InputType',
    'Transformation',
    'ManifestType',
    'CSVDelimiter',
    'CSVHeaderLocation',
    'CSVHeaders',
    'MaxItems',
    'ItemsPointer',
  ],
  ItemBatcher: ['MaxItemsPerBatch', 'MaxItemsPerBatchPath', 'MaxInputBytesPerBatch', 'MaxInputBytesPerBatchPath', 'BatchInput'],
  ResultWriter: ['Resource', 'Parameters', 'Arguments', 'WriterConfig'],
  InputType: ['CSV', 'JSON', 'JSONL', 'PARQUET', 'MANIFEST'],
};

describe('the reconcile state machine definition', () => {
  const definition = reconcileDefinition(SETTINGS);

  it('is valid Amazon States Language (asl-validator)', () => {
    const { isValid, errors } = validateAsl(definition);
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  it('is refused by the validator when broken (a dangling Next, a duplicate state name)', () => {
    const dangling = structuredClone(definition) as Json;
    (dangling.States as Record<string, Json>)[STATE.OBJECTS_FROM_LISTING]!.Next = 'Nowhere';
    expect(validateAsl(dangling).isValid).toBe(false);
    const duplicate = structuredClone(definition) as Json;
    const listing = (duplicate.States as Record<string, Json>)[STATE.OBJECTS_FROM_LISTING]!;
    const processor = listing.ItemProcessor as { StartAt: string; States: Record<string, unknown> };
    processor.States = { [STATE.DONE]: Object.values(processor.States)[0] };
    processor.StartAt = STATE.DONE;
    expect(validateAsl(duplicate).isValid).toBe(false);
  });

  it('uses only documented ItemReader, ReaderConfig, ItemBatcher and ResultWriter fields, within their limits', () => {
    const found = maps(definition);
    expect(found.map(([name]) => name).sort()).toEqual(
      [STATE.LIVE_ITEMS_FROM_EXPORT, STATE.ORPHANS_FROM_EXPORT, STATE.OBJECTS_FROM_INVENTORY, STATE.OBJECTS_FROM_LISTING].sort(),
    );
    for (const [, map] of found) {
      const reader = map.ItemReader as Json;
      const batcher = map.ItemBatcher as Json;
      const writer = map.ResultWriter as Json;
      expect(DOCUMENTED.ItemReader).toEqual(expect.arrayContaining(Object.keys(reader)));
      expect(DOCUMENTED.ReaderConfig).toEqual(expect.arrayContaining(Object.keys((reader.ReaderConfig ?? {}) as Json)));
      expect(DOCUMENTED.ItemBatcher).toEqual(expect.arrayContaining(Object.keys(batcher)));
      expect(DOCUMENTED.ResultWriter).toEqual(expect.arrayContaining(Object.keys(writer)));
      const config = (reader.ReaderConfig ?? {}) as Json;
      if (config.InputType) expect(DOCUMENTED.InputType).toContain(config.InputType);
      // LOAD_AND_FLATTEN needs an InputType; a MANIFEST reader reads with s3:getObject.
      if (config.Transformation === 'LOAD_AND_FLATTEN') expect(config.InputType).toBeDefined();
      if (config.InputType === 'MANIFEST') expect(reader.Resource).toBe('arn:aws:states:::s3:getObject');
      // A child's input is at most 256 KiB; the guide caps MaxInputBytesPerBatch there.
      expect(batcher.MaxInputBytesPerBatch).toBe(MAX_INPUT_BYTES_PER_BATCH);
      expect(MAX_INPUT_BYTES_PER_BATCH).toBeLessThanOrEqual(256 * 1024);
      expect(writer.Resource).toBe('arn:aws:states:::s3:putObject');
      expect((writer.Parameters as Json).Bucket).toBe('inventory');
      expect(String((writer.Parameters as Json).Prefix)).toMatch(new RegExp(`^${RECONCILE_LAYOUT.results}/`));
      expect(map.MaxConcurrency).toBe(300);
      expect(map.ToleratedFailurePercentage).toBe(0);
      expect((map.ItemProcessor as { ProcessorConfig: Json }).ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' });
    }
  });

  it('retries throttled and failed invocations with backoff and jitter', () => {
    for (const [, map] of maps(definition)) {
      const task = Object.values((map.ItemProcessor as { States: Record<string, Json> }).States)[0]!;
      const [throttling] = task.Retry as Json[];
      expect(throttling).toMatchObject({
        ErrorEquals: expect.arrayContaining(['Lambda.TooManyRequestsException']),
        BackoffRate: 2,
        JitterStrategy: 'FULL',
      });
    }
  });
});

describe('the distributed reconcile in the stack', () => {
  const cfg = makeConfig({ mode: 'pusher', reconcile: { distributed: true, inventory: 'Weekly' }, filters: { prefix: 'in/' } });
  const s = synthPipeline(cfg);

  it('is built only when asked for', () => {
    expect(resourcesOf(synthPipeline(makeConfig()), 'aws_sfn_state_machine')).toHaveLength(0);
    expect(resourcesOf(s, 'aws_sfn_state_machine')).toHaveLength(1);
  });

  it('inventories all versions of the uploads bucket under the notification prefix, as CSV into the inventory bucket', () => {
    expect(resourceOf(s, 'aws_s3_bucket_inventory')).toMatchObject({
      name: RECONCILE_LAYOUT.inventoryId,
      included_object_versions: 'All',
      optional_fields: ['Size', 'LastModifiedDate', 'ETag'],
      schedule: { frequency: 'Weekly' },
      filter: { prefix: 'in/' },
      destination: { bucket: { format: 'CSV', prefix: RECONCILE_LAYOUT.inventory } },
    });
  });

  it('lets only S3, for this bucket and account, write inventories into the inventory bucket (TLS only, hardened like every bucket)', () => {
    const policies = resourcesOf(s, 'aws_s3_bucket_policy').map((p) => policyOf(p));
    const inventory = policies.find((p) => p.Statement.some((st) => st.Sid === 'S3InventoryDelivery'))!;
    const grant = inventory.Statement.find((st) => st.Sid === 'S3InventoryDelivery')!;
    expect(grant).toMatchObject({ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 's3:PutObject' });
    expect(asList(grant.Resource)).toEqual([`arn:aws:s3:::${cfg.namePrefix}-inventory-${cfg.accountId}/inventory/*`]);
    expect(grant.Condition).toEqual({
      ArnLike: { 'aws:SourceArn': expect.stringContaining('aws_s3_bucket.') },
      StringEquals: { 'aws:SourceAccount': cfg.accountId, 's3:x-amz-acl': 'bucket-owner-full-control' },
    });
    expect(inventory.Statement.some((st) => st.Effect === 'Deny' && JSON.stringify(st.Condition).includes('aws:SecureTransport'))).toBe(
      true,
    );
  });

  it('gives the state machine only what a Distributed Map needs, and logs/X-Ray', () => {
    const policy = resourcesOf(s, 'aws_iam_role_policy').find((p) => String(p.name).endsWith('-states-policy'))!;
    const statements = policyOf(policy).Statement;
    const bySid = Object.fromEntries(statements.map((st) => [st.Sid, st]));
    expect(Object.keys(bySid).sort()).toEqual(
      [
        'RunChildExecutions',
        'WatchChildExecutions',
        'InvokeReconcile',
        'ReadInventoryAndExports',
        'ListExports',
        'ListUploads',
        'WriteMapResults',
        'VendedLogDelivery',
        'XRayTracing',
      ].sort(),
    );
    expect(asList(bySid.RunChildExecutions!.Resource)).toEqual([
      `arn:aws:states:${cfg.region}:${cfg.accountId}:stateMachine:${cfg.namePrefix}-reconcile`,
    ]);
    expect(bySid.ListUploads!.Condition).toEqual({ StringLike: { 's3:prefix': ['in/*'] } });
    for (const st of statements.filter((x) => asList(x.Resource).includes('*')))
      expect(
        asList(st.Action).every(
          (a) =>
            a.startsWith('xray:') ||
            a.endsWith('LogDelivery') ||
            a.startsWith('logs:Describe') ||
            a.endsWith('ResourcePolicy') ||
            a.endsWith('LogDeliveries'),
        ),
      ).toBe(true);
    const trust = policyOf(resourcesOf(s, 'aws_iam_role').find((r) => String(r.name).endsWith('-states-role'))!, 'assume_role_policy');
    expect(trust.Statement[0]).toMatchObject({
      Principal: { Service: 'states.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': cfg.accountId } },
    });
  });

  it('gives the function BatchGetItem, HeadObject under the prefix and SendMessage to the processing queue, nothing else', () => {
    const policy = resourcesOf(s, 'aws_iam_role_policy').find((p) => p.name === `${cfg.namePrefix}-reconcile-policy`)!;
    const actions = policyOf(policy)
      .Statement.flatMap((st) => asList(st.Action))
      .sort();
    expect(actions).toEqual(
      [
        'dynamodb:BatchGetItem',
        's3:GetObject',
        's3:GetObjectVersion',
        's3:ListBucket',
        'sqs:SendMessage',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
      ].sort(),
    );
    const fn = resourcesOf(s, 'aws_lambda_function').find((f) => f.function_name === `${cfg.namePrefix}-reconcile`)!;
    expect(fn).toMatchObject({ reserved_concurrent_executions: 100, timeout: 60, tracing_config: { mode: 'Active' } });
    const env = (fn.environment as { variables: Record<string, string> }).variables;
    expect(JSON.parse(env.INGEST_SCOPE!)).toEqual({
      prefix: 'in/',
      suffix: '',
      pusher: expect.objectContaining({ allowedContentTypes: [] }),
      minSizeBytes: 0,
      maxSizeBytes: 0,
    });
  });

  it('runs a STANDARD machine with the definition, error logs without execution data, X-Ray, and alarms on failed, timed-out and aborted runs', () => {
    const machine = resourceOf(s, 'aws_sfn_state_machine');
    expect(machine).toMatchObject({ type: 'STANDARD', tracing_configuration: { enabled: true } });
    expect(machine.logging_configuration).toMatchObject({ level: 'ERROR', include_execution_data: false });
    const definition = JSON.parse(String(machine.definition)) as Json;
    expect(validateAsl(definition).isValid).toBe(true);
    expect(Object.keys(definition.States as Json)).toEqual(Object.keys(reconcileDefinition(SETTINGS).States as Json));
    const alarms = resourcesOf(s, 'aws_cloudwatch_metric_alarm').filter((a) => String(a.alarm_name).includes('-reconcile-'));
    expect(alarms.map((a) => a.metric_name).sort()).toEqual(['Errors', 'ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut']);
    for (const a of alarms)
      expect(a).toMatchObject({ threshold: 1, alarm_actions: [expect.any(String)], ok_actions: [expect.any(String)] });
  });
});
