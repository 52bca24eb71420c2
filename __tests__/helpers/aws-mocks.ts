import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsClients } from '../../src/adapters/clients';

const base = { region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };

/** Real SDK clients whose `send` is mocked: handlers are exercised through their real adapters. */
export function mockedClients() {
  const clients: AwsClients = { s3: new S3Client(base), sqs: new SQSClient(base), dynamodb: new DynamoDBClient(base) };
  const dynamodb = mockClient(clients.dynamodb);
  // A refused write reads the item (no item unless a test says otherwise).
  dynamodb.on(GetItemCommand).resolves({});
  return { clients, s3: mockClient(clients.s3), sqs: mockClient(clients.sqs), dynamodb };
}

export const PROCESSOR_ENV = {
  TABLE_NAME: 'ingest-test-objects',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/ingest-test-ingest-dlq',
  RECORD_CONCURRENCY: '4',
  HANDLE_DELETES: 'true',
};

export const PUSHER_ENV = {
  QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/ingest-test-ingest',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/ingest-test-ingest-dlq',
  HANDLE_DELETES: 'false',
  IGNORED_PREFIXES: '["tmp/"]',
  IGNORED_SUFFIXES: '[]',
  ALLOWED_CONTENT_TYPES: '[]',
  MAX_SIZE_BYTES: '0',
};

/** An SDK service error as the client throws it. */
export function serviceError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}
