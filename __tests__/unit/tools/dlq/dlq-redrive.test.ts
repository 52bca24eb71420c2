import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  ListMessageMoveTasksCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { redrive } from '../../../../tools/dlq/dlq-operations';

const Q = { queueUrl: 'https://q/src', queueArn: 'arn:src', deadLetterQueueUrl: 'https://q/dlq', deadLetterQueueArn: 'arn:dlq' };
const msg = (id: string) => ({
  MessageId: id,
  ReceiptHandle: `rh-${id}`,
  Body: `body-${id}`,
  MessageAttributes: { reason: { DataType: 'String', StringValue: 'x' }, trace: { DataType: 'String', StringValue: 't' } },
});

describe('redrive', () => {
  const sqs = mockClient(SQSClient);
  const client = new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  beforeEach(() => sqs.reset());

  it('uses StartMessageMoveTask on AWS and waits for it to finish', async () => {
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'h' });
    sqs
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [{ Status: 'RUNNING' }] })
      .resolves({ Results: [{ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 7 }] });
    expect(await redrive(client, Q, { pollMs: 1 })).toEqual({ method: 'StartMessageMoveTask', moved: 7, failed: 0, duplicatesDropped: 0 });
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]!.args[0].input).toEqual({ SourceArn: 'arn:dlq', DestinationArn: 'arn:src' });
  });

  it('falls back to receive → send → delete where unsupported, deleting only what was sent', async () => {
    sqs.on(StartMessageMoveTaskCommand).rejects(Object.assign(new Error('not supported'), { name: 'UnsupportedOperation' }));
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [msg('1'), msg('2')] })
      .resolves({ Messages: [] });
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [{ Id: '0', MessageId: 'n', MD5OfMessageBody: '' }], Failed: [{ Id: '1', Code: 'x', SenderFault: false }] });
    sqs.on(DeleteMessageBatchCommand).resolves({});
    expect(await redrive(client, Q)).toEqual({ method: 'receive-send-delete', moved: 1, failed: 1, duplicatesDropped: 0 });
    const sent = sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input;
    expect(sent.QueueUrl).toBe('https://q/src');
    expect(sent.Entries![0]).toEqual({
      Id: '0',
      MessageBody: 'body-1',
      MessageAttributes: { trace: { DataType: 'String', StringValue: 't' } },
    });
    expect(sqs.commandCalls(DeleteMessageBatchCommand)[0]!.args[0].input.Entries).toEqual([{ Id: '0', ReceiptHandle: 'rh-1' }]);
  });

  it('never deletes when sending fails, and surfaces other errors', async () => {
    sqs.on(StartMessageMoveTaskCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(redrive(client, Q)).rejects.toThrow('denied');
    sqs.reset();
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [msg('1')] });
    sqs.on(SendMessageBatchCommand).rejects(new Error('network'));
    await expect(redrive(client, Q, { forceManual: true })).rejects.toThrow('network');
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
  });
});
