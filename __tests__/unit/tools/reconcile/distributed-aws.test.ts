import { DescribeExportCommand, DescribeTableCommand, DynamoDBClient, ExportTableToPointInTimeCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DescribeExecutionCommand, DescribeMapRunCommand, ListMapRunsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { decodeShards, shardOf } from '../../../../src/core/key-shards';
import { emptyBatchCounts } from '../../../../src/core/reconcile-batch';
import type { Deployment } from '../../../../tools/deployment';
import { newestInventoryManifest, reconcileDistributed } from '../../../../tools/reconcile/distributed';
import { makeConfig } from '../../../helpers/factories';

const cfg = makeConfig({ environment: 'prod', reconcile: { distributed: true } });
const BUCKET = `ingest-test-uploads-${cfg.accountId}`;
const INVENTORY = `ingest-test-inventory-${cfg.accountId}`;
const STATE_MACHINE = `arn:aws:states:${cfg.region}:${cfg.accountId}:stateMachine:ingest-test-reconcile`;
const base = { region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
/** A GetObject body, as far as the result reader uses it. */
const body = (value: unknown) => ({ transformToString: async () => JSON.stringify(value) }) as never;

function deployment(): Deployment {
  return {
    config: cfg,
    local: false,
    resources: {
      bucket: BUCKET,
      tableName: 'ingest-test-objects',
      queueUrl: 'q',
      queueArn: 'qa',
      deadLetterQueueUrl: 'd',
      deadLetterQueueArn: 'da',
      reconcileStateMachineArn: STATE_MACHINE,
      inventoryBucket: INVENTORY,
    },
    s3: new S3Client(base),
    sqs: new SQSClient(base),
    dynamodb: new DynamoDBClient(base),
    close: () => undefined,
  };
}

/** A map run's results as ResultWriter writes them: a manifest naming one SUCCEEDED file of child executions. */
function results(s3: { on: ReturnType<typeof mockClient>['on'] }, prefix: string, outputs: unknown[]) {
  s3.on(GetObjectCommand, { Bucket: INVENTORY, Key: `${prefix}/manifest.json` }).callsFake(() => ({
    Body: body({
      DestinationBucket: INVENTORY,
      MapRunArn: 'm',
      ResultFiles: { SUCCEEDED: [{ Key: `${prefix}/SUCCEEDED_0.json`, Size: 1 }], FAILED: [], PENDING: [] },
    }),
  }));
  s3.on(GetObjectCommand, { Bucket: INVENTORY, Key: `${prefix}/SUCCEEDED_0.json` }).callsFake(() => ({
    Body: body(outputs.map((o, i) => ({ Name: String(i), Status: 'SUCCEEDED', Output: JSON.stringify(o) }))),
  }));
  return { ResultWriterDetails: { Bucket: INVENTORY, Key: `${prefix}/manifest.json` } };
}

const counts = (c: Record<string, number>) => ({ ...emptyBatchCounts(), ...c });

describe('the distributed reconcile on AWS (SDK mocked)', () => {
  const s3 = mockClient(S3Client);
  const sfn = mockClient(SFNClient);
  const dynamodb = mockClient(DynamoDBClient);
  afterEach(() => {
    s3.reset();
    sfn.reset();
    dynamodb.reset();
  });

  it('takes the newest inventory S3 delivered, ignoring its data/ and hive/ folders', async () => {
    s3.on(ListObjectsV2Command).resolves({
      CommonPrefixes: ['2026-11-30T01-00Z/', 'data/', 'hive/', '2026-12-01T01-00Z/', '2026-11-29T01-00Z/'].map((p) => ({
        Prefix: `inventory/${BUCKET}/reconcile/${p}`,
      })),
    });
    expect(await newestInventoryManifest(deployment(), INVENTORY)).toBe(`inventory/${BUCKET}/reconcile/2026-12-01T01-00Z/manifest.json`);
    s3.on(ListObjectsV2Command).resolves({});
    expect(await newestInventoryManifest(deployment(), INVENTORY)).toBeUndefined();
  });

  it('exports the table, runs the first execution, then checks only the shards whose live items outnumber matched objects', async () => {
    s3.on(ListObjectsV2Command).resolves({ CommonPrefixes: [{ Prefix: `inventory/${BUCKET}/reconcile/2026-12-01T01-00Z/` }] });
    dynamodb
      .on(DescribeTableCommand)
      .resolves({ Table: { TableArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/ingest-test-objects' } });
    dynamodb.on(ExportTableToPointInTimeCommand).resolves({ ExportDescription: { ExportArn: 'export-1' } });
    dynamodb
      .on(DescribeExportCommand)
      .resolvesOnce({ ExportDescription: { ExportStatus: 'IN_PROGRESS' } })
      .resolves({ ExportDescription: { ExportStatus: 'COMPLETED', ExportManifest: 'exports/AWSDynamoDB/01-x/manifest-summary.json' } });
    // First execution: a.txt and gone.txt live in the export; only a.txt matched an object.
    const first = {
      results: {
        objects: results(s3, 'reconcile-results/objects/run1', [
          {
            pass: 'objects',
            counts: counts({ rows: 1, objects: 1, live: 1 }),
            missing: [],
            stale: [],
            orphaned: [],
            invalid: [],
            liveShards: { [shardOf('a.txt')]: 1 },
          },
        ]),
        live: results(s3, 'reconcile-results/live/run1', [
          {
            pass: 'live',
            counts: counts({ rows: 2, live: 2 }),
            missing: [],
            stale: [],
            orphaned: [],
            invalid: [],
            liveShards: { [shardOf('a.txt')]: 1, [shardOf('gone.txt')]: 1 },
          },
        ]),
      },
    };
    const second = {
      results: {
        orphans: results(s3, 'reconcile-results/orphans/run2', [
          {
            pass: 'orphans',
            counts: counts({ rows: 2, live: 1, skipped: 1, orphaned: 1 }),
            missing: [],
            stale: [],
            orphaned: ['gone.txt'],
            invalid: [],
            liveShards: {},
          },
        ]),
      },
    };
    sfn.on(StartExecutionCommand).resolvesOnce({ executionArn: 'exec-1' }).resolves({ executionArn: 'exec-2' });
    sfn
      .on(DescribeExecutionCommand, { executionArn: 'exec-1' })
      .resolvesOnce({ status: 'RUNNING' })
      .resolves({ status: 'SUCCEEDED', output: JSON.stringify(first) });
    sfn.on(DescribeExecutionCommand, { executionArn: 'exec-2' }).resolves({ status: 'SUCCEEDED', output: JSON.stringify(second) });
    sfn
      .on(ListMapRunsCommand)
      .resolves({ mapRuns: [{ mapRunArn: 'map-1', executionArn: 'exec-1', stateMachineArn: STATE_MACHINE, startDate: new Date() }] });
    sfn.on(DescribeMapRunCommand).resolves({
      itemCounts: { total: 2000, succeeded: 1500, failed: 0, pending: 0, running: 500, timedOut: 0, aborted: 0, resultsWritten: 1500 },
    } as never);

    const progress: Array<Record<string, number>> = [];
    const report = await reconcileDistributed(deployment(), {
      backfill: false,
      prefix: '',
      listing: false,
      orphans: true,
      keyLimit: 100,
      sleep: async () => undefined,
      onProgress: (c) => void progress.push(c),
    });

    expect(dynamodb.commandCalls(ExportTableToPointInTimeCommand)[0]!.args[0].input).toMatchObject({
      S3Bucket: INVENTORY,
      S3Prefix: 'exports',
      ExportFormat: 'DYNAMODB_JSON',
    });
    const starts = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(starts).toHaveLength(2);
    expect(starts[0]!.stateMachineArn).toBe(STATE_MACHINE);
    expect(JSON.parse(starts[0]!.input!)).toEqual({
      backfill: false,
      prefix: '',
      inventoryManifest: `inventory/${BUCKET}/reconcile/2026-12-01T01-00Z/manifest.json`,
      exportDataPrefix: 'exports/AWSDynamoDB/01-x/data/',
    });
    const again = JSON.parse(starts[1]!.input!);
    expect(again).toMatchObject({ exportDataPrefix: 'exports/AWSDynamoDB/01-x/data/' });
    expect(again.inventoryManifest).toBeUndefined();
    const checked = decodeShards(again.orphanShards);
    expect(checked(shardOf('gone.txt'))).toBe(true);
    expect(checked(shardOf('a.txt'))).toBe(shardOf('a.txt') === shardOf('gone.txt'));
    expect(progress).toContainEqual({ items: 2000, succeeded: 1500, failed: 0 });
    expect(report).toMatchObject({ status: 'SUCCEEDED', executionArns: ['exec-1', 'exec-2'], orphanShards: [shardOf('gone.txt')] });
    expect(report.orphans).toMatchObject({ orphaned: ['gone.txt'], counts: { orphaned: 1 } });
    expect(report.live?.counts.live).toBe(2);
  });

  it('--execution follows a run an interrupted command started (its input, not the command line), then goes on to the orphan check', async () => {
    const input = { backfill: true, prefix: 'in/', inventoryManifest: 'm.json', exportDataPrefix: 'exports/AWSDynamoDB/01-x/data/' };
    const first = {
      results: {
        objects: results(s3, 'reconcile-results/objects/r1', [
          {
            pass: 'objects',
            counts: counts({ rows: 1, objects: 1, sent: 1, missing: 1 }),
            missing: ['in/a'],
            stale: [],
            orphaned: [],
            invalid: [],
            liveShards: {},
          },
        ]),
        live: results(s3, 'reconcile-results/live/r1', [
          {
            pass: 'live',
            counts: counts({ rows: 1, live: 1 }),
            missing: [],
            stale: [],
            orphaned: [],
            invalid: [],
            liveShards: { [shardOf('in/b')]: 1 },
          },
        ]),
      },
    };
    sfn
      .on(DescribeExecutionCommand, { executionArn: 'exec-old' })
      .resolvesOnce({ status: 'RUNNING', stateMachineArn: STATE_MACHINE, input: JSON.stringify(input) })
      .resolves({ status: 'SUCCEEDED', stateMachineArn: STATE_MACHINE, input: JSON.stringify(input), output: JSON.stringify(first) });
    sfn.on(ListMapRunsCommand).resolves({ mapRuns: [] });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'exec-2' });
    sfn.on(DescribeExecutionCommand, { executionArn: 'exec-2' }).resolves({ status: 'SUCCEEDED', output: JSON.stringify({ results: {} }) });
    const report = await reconcileDistributed(deployment(), {
      backfill: false,
      prefix: '',
      listing: false,
      orphans: true,
      keyLimit: 100,
      execution: 'exec-old',
      sleep: async () => undefined,
    });
    expect(report.input).toEqual(input);
    expect(report.objects.counts).toMatchObject({ missing: 1, sent: 1 });
    // The second execution carries the attached run's settings, not this command line's.
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!)).toMatchObject({ backfill: true, prefix: 'in/' });
    expect(dynamodb.commandCalls(ExportTableToPointInTimeCommand)).toHaveLength(0);
    expect(report.executionArns).toEqual(['exec-old', 'exec-2']);
  });

  it('--execution refuses an execution of another state machine', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', stateMachineArn: 'arn:aws:states:eu-west-1:1:stateMachine:other' });
    await expect(
      reconcileDistributed(deployment(), { backfill: false, prefix: '', listing: false, orphans: true, keyLimit: 1, execution: 'x' }),
    ).rejects.toThrow("x is an execution of arn:aws:states:eu-west-1:1:stateMachine:other, not of prod's");
  });

  it('reports a failed execution with its error and cause, and starts no second one', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'exec-1' });
    sfn
      .on(DescribeExecutionCommand)
      .resolves({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold', cause: 'too many batches failed' });
    const report = await reconcileDistributed(deployment(), {
      backfill: false,
      prefix: '',
      listing: true,
      orphans: false,
      keyLimit: 100,
      sleep: async () => undefined,
    });
    expect(report).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold', cause: 'too many batches failed' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!)).toEqual({ backfill: false, prefix: '' });
  });
});

describe('npm run reconcile -- --distributed --dry-run', () => {
  it('prints the state machine and the input it would start, from the config alone (no AWS, no outputs file)', async () => {
    const { main } = await import('../../../../tools/commands/reconcile');
    const out: string[] = [];
    const code = await main(['--env', 'prod', '--distributed', '--dry-run', '--backfill', '--prefix', 'in/'], (s) => void out.push(s));
    expect(code).toBe(0);
    const text = out.join('');
    expect(text).toContain('Would start arn:aws:states:eu-west-1:222222222222:stateMachine:ingest-prod-reconcile');
    const input = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1));
    expect(input).toEqual({
      backfill: true,
      prefix: 'in/',
      inventoryManifest: 'inventory/ingest-prod-uploads-222222222222/reconcile/<newest YYYY-MM-DDTHH-MMZ>/manifest.json',
      exportDataPrefix: 'exports/AWSDynamoDB/<export of ingest-prod-objects, started at run time>/data/',
    });
    const exact: string[] = [];
    await main(['--env', 'prod', '--distributed', '--dry-run', '--manifest', 'm.json', '--skip-orphans'], (s) => void exact.push(s));
    expect(exact.join('')).toContain('"inventoryManifest": "m.json"');
    expect(exact.join('')).not.toContain('exportDataPrefix');
  });

  it('refuses the distributed options without --distributed, and an environment without the option', async () => {
    const { main } = await import('../../../../tools/commands/reconcile');
    const errors: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      errors.push(String(chunk));
      return true;
    });
    try {
      expect(await main(['--env', 'prod', '--backfill'], () => undefined)).toBe(2);
      expect(errors.join('')).toContain('--backfill goes with --distributed');
      expect(await main(['--env', 'prod', '--distributed', '--execution', 'arn', '--prefix', 'x'], () => undefined)).toBe(2);
      expect(errors.join('')).toContain('--execution follows a run as it was started: --prefix does not go with it');
    } finally {
      spy.mockRestore();
    }
    await expect(main(['--env', 'dev', '--distributed', '--dry-run'], () => undefined)).rejects.toThrow(
      '"dev" has no distributed reconcile',
    );
  });
});
