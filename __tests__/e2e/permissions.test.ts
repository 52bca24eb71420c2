import { DescribeTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { resourceNames } from '../../config/derive';
import type { PipelineConfig } from '../../config/types';
import { startLocalPipeline, type LocalPipeline, type LocalPipelineOptions } from '../../local/local-pipeline';
import { makeConfig, s3EventBody } from '../helpers/factories';
import { tempDataDir } from '../helpers/local-env';
import { eventually } from '../helpers/wait';
import { editStatement, withoutAction } from '../helpers/stack-edits';

type Permissions = Exclude<Awaited<ReturnType<LocalPipeline['permissions']>>, { enforced: false }>;

/**
 * The local pipeline enforces the synthesized policies: take one action away from one function
 * (in the synthesized JSON, not the constructs) and exactly that call is denied, with AWS's error,
 * and the pipeline's outcome shows it as AWS would; every other call is still allowed.
 */
describe('IAM enforced on the local pipeline', () => {
  const dirs: Array<ReturnType<typeof tempDataDir>> = [];
  const running: LocalPipeline[] = [];
  afterAll(async () => {
    for (const p of running) await p.stop();
    for (const d of dirs) d.cleanup();
  });

  async function start(config: PipelineConfig, options: Partial<LocalPipelineOptions> = {}): Promise<LocalPipeline> {
    const data = tempDataDir();
    dirs.push(data);
    const p = await startLocalPipeline({ config, dataDir: data.dir, sendTestEvent: false, ...options });
    running.push(p);
    return p;
  }
  const permissions = async (p: LocalPipeline) => (await p.permissions()) as Permissions;
  const denied = async (p: LocalPipeline) => (await permissions(p)).denied.map((d) => `${d.caller} ${d.action}`);
  const item = async (p: LocalPipeline, key: string) =>
    (
      await p.clients.dynamodb.send(
        new GetItemCommand({ TableName: p.resources.tableName, Key: { s3_key: { S: key }, bucket: { S: p.resources.bucket } } }),
      )
    ).Item;
  const direct = makeConfig({ environment: 'iam', processor: { timeoutSeconds: 5, maxConcurrency: 2 } });
  const processor = resourceNames(direct).processor;

  it('the policies as synthesized: everything the pipeline does is allowed, and said so', async () => {
    const p = await start(direct);
    await p.upload('ok.txt', 'fine', 'text/plain');
    await p.waitForDrain(30_000);
    expect(await item(p, 'ok.txt')).toBeDefined();
    const perms = await permissions(p);
    expect(perms.denied).toEqual([]);
    expect(perms.allowed.map((a) => `${a.caller} ${a.action}`)).toEqual(
      expect.arrayContaining([`${processor} dynamodb:PutItem`, `${processor} s3:GetObject`, 'S3 notifications sqs:SendMessage']),
    );
    expect(perms.edges.every((e) => e.allowed)).toBe(true);
  }, 60_000);

  it('processor without dynamodb:PutItem: AccessDeniedException, retried by SQS, nothing stored, nothing else denied', async () => {
    const p = await start(direct, { editStack: withoutAction(processor, 'dynamodb:PutItem') });
    await p.upload('denied.txt', 'x', 'text/plain');
    await eventually(async () => (p.outcomes.count('transient-failure') >= 1 ? true : undefined), 20_000, 'a transient failure');
    expect(await item(p, 'denied.txt')).toBeUndefined();
    expect(await denied(p)).toEqual([`${processor} dynamodb:PutItem`]);
    const d = (await permissions(p)).denied[0]!;
    const { accountId, region } = direct;
    expect(d.message).toBe(
      `User: arn:aws:sts::${accountId}:assumed-role/${processor}-role/${processor} is not authorized to perform: dynamodb:PutItem on resource: ` +
        `arn:aws:dynamodb:${region}:${accountId}:table/${resourceNames(direct).table} because no identity-based policy allows the dynamodb:PutItem action`,
    );
    expect(d.decidedBy).toEqual(['no identity policy allows it']);
    // The processor's own ERROR line and metric for a permissions problem (`LogMessage.ACCESS_DENIED`).
    expect(p.outcomes.count('access-denied')).toBeGreaterThanOrEqual(1);
    expect((await permissions(p)).allowed.map((a) => a.action)).toContain('s3:GetObject');
  }, 60_000);

  it('processor without s3:GetObject: HeadObject answers 403, the message is retried, not skipped', async () => {
    const p = await start(direct, { editStack: withoutAction(processor, 's3:GetObject') });
    await p.upload('secret.txt', 'x', 'text/plain');
    await eventually(async () => (p.outcomes.count('transient-failure') >= 1 ? true : undefined), 20_000, 'a transient failure');
    expect(await denied(p)).toEqual([`${processor} s3:GetObject`]);
    expect(p.outcomes.count('skipped')).toBe(0);
  }, 60_000);

  it('HeadObject of a missing key: 404 (skipped) with s3:ListBucket, 403 (retried) without — S3’s rule', async () => {
    const withList = await start(direct);
    await withList.injectMessage(s3EventBody({ bucket: withList.resources.bucket, key: 'never-uploaded.txt' }));
    await withList.waitForDrain(20_000);
    // Skipped (404), never retried (403); on a loaded machine the 2 s visibility can expire once, and the redelivery is skipped again.
    expect(withList.outcomes.count('skipped')).toBeGreaterThanOrEqual(1);
    expect(withList.outcomes.count('transient-failure')).toBe(0);

    const withoutList = await start(direct, { editStack: withoutAction(processor, 's3:ListBucket') });
    await withoutList.injectMessage(s3EventBody({ bucket: withoutList.resources.bucket, key: 'never-uploaded.txt' }));
    await eventually(async () => (withoutList.outcomes.count('transient-failure') >= 1 ? true : undefined), 20_000, 'a transient failure');
    expect(withoutList.outcomes.count('skipped')).toBe(0);
    expect(await denied(withoutList)).toEqual([`${processor} s3:ListBucket`]);
  }, 60_000);

  it('HeadObject of a missing key with a prefix filter: S3 checks ListBucket with s3:prefix = the key (404 under the prefix, 403 outside)', async () => {
    // Reads allowed everywhere, so only the ListBucket condition decides between 404 and 403.
    const cfg = makeConfig({ environment: 'iamprefix', filters: { prefix: 'in/' }, processor: { timeoutSeconds: 5, maxConcurrency: 2 } });
    const readAll = editStatement('aws_iam_role_policy', 'HeadObjects', (st) => ({
      ...st,
      Resource: String(st.Resource).replace(/\/in\/\*$/, '/*'),
    }));
    const p = await start(cfg, { editStack: readAll });
    await p.injectMessage(s3EventBody({ bucket: p.resources.bucket, key: 'in/never-uploaded.txt' }));
    await p.waitForDrain(20_000);
    expect(p.outcomes.count('skipped')).toBe(1);
    await p.injectMessage(s3EventBody({ bucket: p.resources.bucket, key: 'out/never-uploaded.txt' }));
    await eventually(async () => (p.outcomes.count('transient-failure') >= 1 ? true : undefined), 20_000, 'a transient failure');
    expect(p.outcomes.count('skipped')).toBe(1);
    expect(await denied(p)).toEqual([`${resourceNames(cfg).processor} s3:ListBucket`]);
  }, 60_000);

  it('pusher without sqs:SendMessage on the queue: denied, and the event parked in its failure queue (after Lambda’s retries: none configured here)', async () => {
    const cfg = makeConfig({ environment: 'iampush', mode: 'pusher', pusher: { maxRetryAttempts: 0 } });
    const pusher = resourceNames(cfg).pusher;
    const p = await start(cfg, { editStack: withoutAction(pusher, 'sqs:SendMessage', 'Enqueue') });
    await p.upload('stuck.txt', 'x', 'text/plain');
    const parked = async () =>
      Number(
        (
          await p.clients.sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: p.resources.pusherFailureQueueUrl!,
              AttributeNames: ['ApproximateNumberOfMessages'],
            }),
          )
        ).Attributes?.ApproximateNumberOfMessages,
      );
    await eventually(async () => ((await parked()) === 1 ? true : undefined), 20_000, 'the event in the failure queue');
    expect(await denied(p)).toEqual([`${pusher} sqs:SendMessage`]);
    expect(await item(p, 'stuck.txt')).toBeUndefined();
  }, 60_000);

  it('pusher whose role may not send to its on-failure destination either: the event is lost, and said so', async () => {
    const cfg = makeConfig({ environment: 'iamlost', mode: 'pusher', pusher: { maxRetryAttempts: 0 } });
    const pusher = resourceNames(cfg).pusher;
    const p = await start(cfg, { editStack: withoutAction(pusher, 'sqs:SendMessage') });
    await p.upload('gone.txt', 'x', 'text/plain');
    await eventually(
      async () =>
        p.outcomes.errors.some(
          (e) => e.startsWith('A pusher event was lost') && e.includes('is not authorized to perform: sqs:SendMessage'),
        )
          ? true
          : undefined,
      20_000,
      'the lost event',
    );
    expect((await permissions(p)).edges.find((e) => e.edge.startsWith('pusher on-failure destination'))).toMatchObject({ allowed: false });
  }, 60_000);

  it('a queue policy naming another bucket stops S3 → SQS delivery, as AWS would refuse it', async () => {
    const edit = editStatement('aws_sqs_queue_policy', 'AllowS3Notifications', (st) => ({
      ...st,
      Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:s3:::some-other-bucket' } },
    }));
    const p = await start(direct, { editStack: edit });
    await p.upload('lost.txt', 'x', 'text/plain');
    await eventually(
      async () => (p.outcomes.errors.some((e) => e.includes('AccessDenied')) ? true : undefined),
      20_000,
      'a delivery error',
    );
    expect(await denied(p)).toEqual(['S3 notifications sqs:SendMessage']);
    expect((await permissions(p)).edges.find((e) => e.edge.startsWith('S3 → queue'))).toMatchObject({ allowed: false });
    expect(await item(p, 'lost.txt')).toBeUndefined();
  }, 60_000);

  it('a topic key policy without CloudWatch is reported: alarms could not publish', async () => {
    const p = await start(direct, { editStack: editStatement('aws_kms_key', 'CloudWatchPublishes', () => null) });
    const edge = (await permissions(p)).edges.find((e) => e.edge.startsWith('alarms → topic'))!;
    expect(edge).toMatchObject({ allowed: false });
    expect(edge.detail).toMatch(/cloudwatch\.amazonaws\.com is not authorized to perform: kms:GenerateDataKey/);
    // The table is still there and reachable: nothing else changed.
    await expect(p.clients.dynamodb.send(new DescribeTableCommand({ TableName: p.resources.tableName }))).resolves.toBeDefined();
  }, 60_000);

  it('--no-iam: nothing checked, and the report says so', async () => {
    const p = await start(direct, { iam: false, editStack: withoutAction(processor, 'dynamodb:PutItem') });
    await p.upload('free.txt', 'x', 'text/plain');
    await p.waitForDrain(30_000);
    expect(await item(p, 'free.txt')).toBeDefined();
    expect(await p.permissions()).toEqual({ enforced: false });
  }, 60_000);
});
