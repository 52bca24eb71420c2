import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { bundleDeployedHandler } from '../../bundling/bundle-handler';
import { processorEnvironment, pusherEnvironment } from '../../config/derive';
import { fromAttributeValues } from '../../src/adapters/attribute-values';
import { encodeS3Key } from '../../src/core/s3-key';
import { createServer, type Server } from 'node:http';
import { nodeTargetOf } from '../../config/runtimes';
import { startEmulators, type Emulators } from '../../local/emulators';
import { closeServer, forward, listenOnLoopback, readBody, reply } from '../../local/loopback-server';
import { FunctionHost } from '../../local/function-host';
import { localAwsEnvironment, localClients } from '../../local/local-clients';
import { localResourceSpec, provision, type ProvisionedResources } from '../../local/resources';
import type { AwsClients } from '../../src/adapters/clients';
import { makeConfig, s3EventRecord, sqsRecord } from '../helpers/factories';
import { tempDataDir } from '../helpers/local-env';

/** The deployed bundles, run as Lambda runs them, making real SDK calls to the emulators. */
describe('handler bundles against the emulators', () => {
  const cfg = makeConfig({ mode: 'pusher', filters: { ignoredSuffixes: ['.tmp'] } });
  const data = tempDataDir();
  let emulators: Emulators;
  let clients: AwsClients;
  let res: ProvisionedResources;
  let processor: FunctionHost;
  let pusher: FunctionHost;
  // What each call the bundles made said of itself: the SDK's user agent names the Node it runs on.
  const userAgents: Array<{ service: string; userAgent: string }> = [];
  const recorders: Server[] = [];
  const recordUserAgents = async (service: string, target: string): Promise<string> => {
    const server = createServer(async (req, res) => {
      userAgents.push({ service, userAgent: String(req.headers['user-agent'] ?? '') });
      const body = await readBody(req);
      reply(res, await forward(new URL(target), req, body).catch((e: Error) => e));
    });
    recorders.push(server);
    return listenOnLoopback(server);
  };

  beforeAll(async () => {
    emulators = await startEmulators({ dataDir: data.dir, accountId: cfg.accountId, region: cfg.region });
    clients = localClients(emulators.endpoints, cfg.region);
    res = await provision(clients, localResourceSpec(cfg));
    const env = {
      PATH: process.env.PATH ?? '',
      ...localAwsEnvironment(
        {
          s3: await recordUserAgents('s3', emulators.endpoints.s3),
          sqs: await recordUserAgents('sqs', emulators.endpoints.sqs),
          dynamodb: await recordUserAgents('dynamodb', emulators.endpoints.dynamodb),
        },
        cfg.region,
      ),
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    };
    processor = new FunctionHost({
      functionName: 'processor',
      functionArn: `arn:aws:lambda:${cfg.region}:${cfg.accountId}:function:processor`,
      memoryMb: cfg.processor.memoryMb,
      runtime: cfg.runtime,
      bundleFile: bundleDeployedHandler('processor', cfg.runtime).file,
      environment: { ...env, ...processorEnvironment(cfg, { tableName: res.tableName, deadLetterQueueUrl: res.deadLetterQueueUrl }) },
      timeoutSeconds: 30,
      concurrency: 1,
    });
    pusher = new FunctionHost({
      functionName: 'pusher',
      functionArn: `arn:aws:lambda:${cfg.region}:${cfg.accountId}:function:pusher`,
      memoryMb: cfg.pusher.memoryMb,
      runtime: cfg.runtime,
      bundleFile: bundleDeployedHandler('pusher', cfg.runtime).file,
      environment: { ...env, ...pusherEnvironment(cfg, { queueUrl: res.queueUrl, deadLetterQueueUrl: res.deadLetterQueueUrl }) },
      timeoutSeconds: 30,
      concurrency: 1,
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([processor?.stop(), pusher?.stop(), ...recorders.map((r) => closeServer(r))]);
    await emulators?.stop();
    data.cleanup();
  });

  const put = (key: string, body: string, contentType?: string) =>
    clients.s3.send(new PutObjectCommand({ Bucket: res.bucket, Key: key, Body: body, ContentType: contentType }));
  const getItem = async (key: string) => {
    const out = await clients.dynamodb.send(
      new GetItemCommand({ TableName: res.tableName, Key: { s3_key: { S: key }, bucket: { S: res.bucket } } }),
    );
    return out.Item ? fromAttributeValues(out.Item) : undefined;
  };
  const receiveAll = async (url: string) =>
    (
      await clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
      )
    ).Messages ?? [];

  it('processor: HeadObject then a conditional PutItem, for a key with spaces and a plus', async () => {
    const key = 'in box/a+b é.csv';
    await put(key, 'a,b\n1,2\n', 'text/csv');
    const body = JSON.stringify({ Records: [s3EventRecord({ key, bucket: res.bucket, size: 8, sequencer: '0055AED6DCD902810A' })] });
    const response = await processor.invoke({ Records: [sqsRecord(body, 'm-1')] });
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await getItem(key)).toMatchObject({
      s3_key: key,
      bucket: res.bucket,
      content_type: 'text/csv',
      file_size: 8,
      message_id: 'm-1',
      sequencer: '0055AED6DCD902810A',
    });
    expect(encodeS3Key(key)).toBe('in+box/a%2Bb+%C3%A9.csv');
  });

  it('processor: an older event for the same key changes nothing', async () => {
    const key = 'ordered.txt';
    await put(key, 'v2', 'text/plain');
    const newer = JSON.stringify({ Records: [s3EventRecord({ key, bucket: res.bucket, size: 2, sequencer: '0055AED6DCD902810B' })] });
    const older = JSON.stringify({ Records: [s3EventRecord({ key, bucket: res.bucket, size: 1, sequencer: '0055AED6DCD902810A' })] });
    await processor.invoke({ Records: [sqsRecord(newer, 'newer')] });
    await processor.invoke({ Records: [sqsRecord(older, 'older')] });
    expect(await getItem(key)).toMatchObject({ message_id: 'newer', file_size: 2 });
  });

  it('processor: skips an object that no longer exists, and dead-letters poison with its reason', async () => {
    const gone = JSON.stringify({ Records: [s3EventRecord({ key: 'never-uploaded.txt', bucket: res.bucket })] });
    const response = await processor.invoke({ Records: [sqsRecord(gone, 'gone'), sqsRecord('{"Records": [', 'poison')] });
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await getItem('never-uploaded.txt')).toBeUndefined();
    const dlq = await receiveAll(res.deadLetterQueueUrl);
    expect(dlq.map((m) => [m.Body, m.MessageAttributes?.reason?.StringValue, m.MessageAttributes?.source_message_id?.StringValue])).toEqual(
      [['{"Records": [', 'malformed-json', 'poison']],
    );
  });

  it('pusher: enriches with HeadObject data, filters, and enqueues to the processing queue', async () => {
    await put('photo.png', 'png-bytes', 'image/png');
    await put('upload.tmp', 'partial', 'text/plain');
    const event = {
      Records: [s3EventRecord({ key: 'photo.png', bucket: res.bucket, size: 9 }), s3EventRecord({ key: 'upload.tmp', bucket: res.bucket })],
    };
    const summary = await pusher.invoke<{ enqueued: unknown[]; rejected: Array<{ reason: string }> }>(event);
    expect(summary.enqueued).toEqual([{ key: 'photo.png', bucket: res.bucket }]);
    expect(summary.rejected).toEqual([{ key: 'upload.tmp', bucket: res.bucket, reason: 'ignored-suffix' }]);
    const [message] = await receiveAll(res.queueUrl);
    expect(JSON.parse(message!.Body!)).toMatchObject({ type: 'ingest.object.v1', key: 'photo.png', contentType: 'image/png', size: 9 });
  });

  it('a bundle started without its environment fails at cold start, naming the variables', async () => {
    const broken = new FunctionHost({
      functionName: 'broken',
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:broken',
      memoryMb: 128,
      runtime: cfg.runtime,
      bundleFile: bundleDeployedHandler('processor').file,
      environment: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      timeoutSeconds: 5,
      concurrency: 1,
    });
    await expect(broken.invoke({ Records: [] })).rejects.toMatchObject({
      errorType: 'Runtime.InitError',
      message: expect.stringContaining('TABLE_NAME is required'),
    });
    await broken.stop();
  });

  it("every SDK call of the bundles above ran on the Node major of the stack's runtime (its user agent says md/nodejs#<version>)", () => {
    const runtimeMajor = Number(nodeTargetOf(cfg.runtime).replace('node', ''));
    expect(new Set(userAgents.map((u) => u.service))).toEqual(new Set(['s3', 'sqs', 'dynamodb']));
    const majors = new Set(userAgents.map((u) => Number(/md\/nodejs#(\d+)\./.exec(u.userAgent)?.[1])));
    expect([...majors]).toEqual([runtimeMajor]);
    expect(processor.node.startsWith(`${runtimeMajor}.`)).toBe(true);
  });
});
