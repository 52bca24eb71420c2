import type { Context, SQSRecord } from 'aws-lambda';
import { resolveConfig } from '../../config/validate';
import type { PipelineConfig } from '../../config/types';
import { encodeS3Key } from '../../src/core/s3-key';
import { PUSHER_MESSAGE_TYPE, type PusherMessage } from '../../src/core/types';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** A valid config with the given overrides (sections merge over their defaults). */
export function makeConfig(overrides: DeepPartial<PipelineConfig> & Record<string, unknown> = {}): PipelineConfig {
  return resolveConfig({ environment: 'test', namePrefix: 'ingest-test', accountId: '123456789012', region: 'eu-west-1', ...overrides });
}

export interface S3RecordOptions {
  key?: string;
  /** Use this encoded key verbatim instead of encoding `key`. */
  rawKey?: string;
  bucket?: string;
  eventName?: string;
  eventTime?: string;
  sequencer?: string;
  size?: number;
  eTag?: string;
  versionId?: string;
}

/** One `Records[i]` entry exactly as S3 writes it (key URL-encoded). */
export function s3EventRecord(o: S3RecordOptions = {}): Record<string, unknown> {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'eu-west-1',
    eventTime: o.eventTime ?? '2026-11-27T10:00:00.000Z',
    eventName: o.eventName ?? 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:EXAMPLE' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'REQ', 'x-amz-id-2': 'ID2' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'to-processing-queue',
      bucket: { name: o.bucket ?? 'uploads', ownerIdentity: { principalId: 'OWNER' }, arn: `arn:aws:s3:::${o.bucket ?? 'uploads'}` },
      object: {
        key: o.rawKey ?? encodeS3Key(o.key ?? 'folder/file.txt'),
        size: o.size ?? 42,
        eTag: o.eTag ?? 'd41d8cd98f00b204e9800998ecf8427e',
        ...(o.versionId ? { versionId: o.versionId } : {}),
        sequencer: o.sequencer ?? '0055AED6DCD90281E5',
      },
    },
  };
}

export const s3EventBody = (...records: S3RecordOptions[]): string =>
  JSON.stringify({ Records: (records.length ? records : [{}]).map(s3EventRecord) });

export const testEventBody = (bucket = 'uploads'): string =>
  JSON.stringify({
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: '2026-11-27T10:00:00.000Z',
    Bucket: bucket,
    RequestId: 'R',
    HostId: 'H',
  });

/** A message body as SQS receives it from an SNS subscription with raw message delivery off. */
export const snsEnvelope = (message: string): string =>
  JSON.stringify({
    Type: 'Notification',
    MessageId: 'd88d4479-6ec0-54fe-b63f-1cf9df4bb16e',
    TopicArn: 'arn:aws:sns:eu-west-1:123456789012:uploads-fanout',
    Subject: 'Amazon S3 Notification',
    Message: message,
    Timestamp: '2026-11-27T10:00:00.100Z',
    SignatureVersion: '1',
    Signature: 'c2lnbmF0dXJl',
    SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-example.pem',
    UnsubscribeURL:
      'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:eu-west-1:123456789012:uploads-fanout:1',
  });

export function pusherMessage(o: Partial<PusherMessage> = {}): PusherMessage {
  return {
    type: PUSHER_MESSAGE_TYPE,
    bucket: 'uploads',
    key: 'folder/file.txt',
    eventName: 'ObjectCreated:Put',
    eventTime: '2026-11-27T10:00:00.000Z',
    sequencer: '0055AED6DCD90281E5',
    size: 42,
    etag: 'd41d8cd98f00b204e9800998ecf8427e',
    contentType: 'text/plain',
    ...o,
  };
}

let counter = 0;
export function sqsRecord(body: string, messageId = `msg-${++counter}`): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1764237600000',
      SenderId: 'S3',
      ApproximateFirstReceiveTimestamp: '1764237600000',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:ingest-test-ingest',
    awsRegion: 'eu-west-1',
  };
}

export function lambdaContext(name = 'ingest-test-processor', timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${name}`,
    memoryLimitInMB: '512',
    awsRequestId: `req-${++counter}`,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
