import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { deadLetterId, SqsDeadLetters } from '../../../../src/adapters/sqs-dead-letters';
import { dlqStats, peekDeadLetters, redrive } from '../../../../tools/dlq/dlq-operations';

const Q = { queueUrl: 'https://q/src', queueArn: 'arn:src', deadLetterQueueUrl: 'https://q/dlq', deadLetterQueueArn: 'arn:dlq' };
const client = new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });

/** A DLQ message as a handler sent it: `copy` distinguishes SQS messages of the same part. */
const poison = (source: string, body: string, copy: number) => ({
  MessageId: `${source}-copy-${copy}`,
  ReceiptHandle: `rh-${source}-${copy}`,
  Body: body,
  Attributes: { SentTimestamp: String(Date.parse('2026-12-01T10:00:00Z') + copy * 1000) },
  MessageAttributes: {
    reason: { DataType: 'String', StringValue: 'malformed-json' },
    source: { DataType: 'String', StringValue: 'processor' },
    source_message_id: { DataType: 'String', StringValue: source },
    dead_letter_id: { DataType: 'String', StringValue: deadLetterId(body, source) },
  },
});

/**
 * A handler that dies between its DLQ send and the source message's delete sends the part again on
 * the next receive: the copies carry the same `dead_letter_id`, and the operator commands count them once.
 */
describe('dead-letter identity', () => {
  const sqs = mockClient(SQSClient);
  beforeEach(() => sqs.reset());

  it('is the same for the same part of the same source message, and differs otherwise', async () => {
    sqs.on(SendMessageCommand).resolves({});
    const dlq = new SqsDeadLetters(client, Q.deadLetterQueueUrl, 'processor');
    await dlq.send('{"Records": [', { code: 'malformed-json', detail: 'x', sourceMessageId: 'm1' });
    await dlq.send('{"Records": [', { code: 'malformed-json', detail: 'x', sourceMessageId: 'm1' });
    const ids = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input.MessageAttributes!.dead_letter_id!.StringValue);
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[1]).toBe(ids[0]);
    expect(deadLetterId('{"Records": [', 'm2')).not.toBe(ids[0]);
    expect(deadLetterId('other', 'm1')).not.toBe(ids[0]);
  });

  it('stats and peek count copies once, say how many copies there are, and say when reasons come from a sample', async () => {
    const messages = [poison('m1', 'a', 1), poison('m1', 'a', 2), poison('m2', 'b', 1)];
    sqs
      .on(GetQueueAttributesCommand)
      .resolves({ Attributes: { ApproximateNumberOfMessages: '5', ApproximateNumberOfMessagesNotVisible: '0' } });
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: messages }).resolves({ Messages: [] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    const stats = await dlqStats(client, Q, 3, Date.parse('2026-12-01T10:01:00Z'));
    expect(stats).toMatchObject({
      visible: 5,
      read: 3,
      distinct: 2,
      duplicateCopies: 1,
      sampled: true,
      byReason: { 'malformed-json': 2 },
      oldestAgeSeconds: 59,
    });
    sqs.reset();
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: messages }).resolves({ Messages: [] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    const peeked = await peekDeadLetters(client, Q, 10);
    expect(peeked.map((d) => [d.sourceMessageId, d.copies])).toEqual([
      ['m1', 2],
      ['m2', 1],
    ]);
  });

  it('a redrive sends each part once and deletes its extra copies', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [poison('m1', 'a', 1), poison('m1', 'a', 2), poison('m2', 'b', 1)] })
      .resolvesOnce({ Messages: [poison('m1', 'a', 3)] })
      .resolves({ Messages: [] });
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: Array<{ Id: string }> }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: 'n', MD5OfMessageBody: '' })),
    }));
    sqs.on(DeleteMessageBatchCommand).resolves({});
    expect(await redrive(client, Q, { forceManual: true })).toEqual({
      method: 'receive-send-delete',
      moved: 2,
      failed: 0,
      duplicatesDropped: 2,
    });
    expect(sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries!.map((e) => e.MessageBody))).toEqual([
      'a',
      'b',
    ]);
    // The redriven message starts clean: no dead-letter attributes.
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]!.MessageAttributes).toEqual({});
  });
});

/** A poison part whose reason would push the DLQ message past SQS's 1 MiB: left whole to the redrive policy. */
describe('a poison part too big to dead-letter with its reason', () => {
  const sqs = mockClient(SQSClient);
  beforeEach(() => sqs.reset());

  it('is refused before any send, with its reason, size and digest; one that fits is sent', async () => {
    sqs.on(SendMessageCommand).resolves({});
    const dlq = new SqsDeadLetters(client, Q.deadLetterQueueUrl, 'processor');
    const near = `{"Records": [${'x'.repeat(1_048_576 - 100)}`;
    await expect(dlq.send(near, { code: 'malformed-json', detail: 'Unexpected token', sourceMessageId: 'm1' })).rejects.toMatchObject({
      name: 'PoisonTooLargeError',
      reason: 'malformed-json',
      detail: 'Unexpected token',
      bytes: expect.any(Number),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    await dlq.send(near.slice(0, 1_048_576 - 1_000), { code: 'malformed-json', detail: 'x', sourceMessageId: 'm1' });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
  });
});
