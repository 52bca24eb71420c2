import { parseMessageBody } from '../../../src/core/messages';
import { pusherMessage, s3EventBody, s3EventRecord, snsEnvelope, testEventBody } from '../../helpers/factories';

/** The reason a body is refused as a whole, or each record's reason when only records are. */
const reasonOf = (body: string): string => {
  try {
    const parsed = parseMessageBody(body);
    if (parsed.kind === 'records') {
      const poison = parsed.records.flatMap((r) => (r.kind === 'poison' ? [r.error.reason] : []));
      if (poison.length) return poison.join(',');
    }
  } catch (e) {
    return (e as { reason: string }).reason;
  }
  throw new Error('expected the body or a record to be refused');
};

describe('parseMessageBody', () => {
  it('reads a raw S3 event notification and decodes its keys', () => {
    const parsed = parseMessageBody(s3EventBody({ key: 'my folder/a+b.txt', size: 0, versionId: 'v1' }));
    expect(parsed).toEqual({
      kind: 'records',
      records: [
        {
          kind: 'object',
          event: {
            bucket: 'uploads',
            key: 'my folder/a+b.txt',
            eventName: 'ObjectCreated:Put',
            eventTime: '2026-11-27T10:00:00.000Z',
            sequencer: '0055AED6DCD90281E5',
            size: 0,
            etag: 'd41d8cd98f00b204e9800998ecf8427e',
            versionId: 'v1',
          },
        },
      ],
    });
  });

  it('reads every record of a multi-record notification', () => {
    const parsed = parseMessageBody(s3EventBody({ key: 'a' }, { key: 'b' }));
    expect(parsed.kind === 'records' && parsed.records.map((r) => r.kind === 'object' && r.event.key)).toEqual(['a', 'b']);
  });

  it("reads the pusher's enriched message without decoding its key", () => {
    const parsed = parseMessageBody(JSON.stringify(pusherMessage({ key: 'a+b c.txt', metadata: { owner: 'x' } })));
    expect(parsed).toMatchObject({
      kind: 'records',
      records: [{ kind: 'object', event: { key: 'a+b c.txt', contentType: 'text/plain', metadata: { owner: 'x' } } }],
    });
  });

  it("recognises S3's s3:TestEvent, also inside an SNS envelope", () => {
    expect(parseMessageBody(testEventBody('uploads'))).toEqual({ kind: 'test-event', bucket: 'uploads' });
    expect(parseMessageBody(snsEnvelope(testEventBody('uploads')))).toEqual({ kind: 'test-event', bucket: 'uploads' });
  });

  it('unwraps an SNS envelope (raw delivery off) and ignores its signature fields', () => {
    const parsed = parseMessageBody(snsEnvelope(s3EventBody({ key: 'fan out.txt' })));
    expect(parsed).toMatchObject({ kind: 'records', records: [{ kind: 'object', event: { key: 'fan out.txt' } }] });
  });

  it.each([
    ['ObjectTagging:Put', 'ObjectTagging:Put'],
    ['ObjectAcl:Put', 'ObjectAcl:Put'],
    ['ObjectRestore:Completed', 'ObjectRestore:Completed'],
    ['Replication:OperationFailedReplication', 'Replication:OperationFailedReplication'],
    ['LifecycleTransition', 'LifecycleTransition'],
    ['a future event name', 'ObjectTeleported:Somewhere'],
  ])('classifies %s as ignored, needing no sequencer or size', (_what, eventName) => {
    const record = { ...s3EventRecord({ key: 'a b.txt' }), eventName, eventVersion: '2.3' } as unknown as {
      s3: { object: Record<string, unknown> };
    };
    delete record.s3.object.sequencer;
    delete record.s3.object.size;
    expect(parseMessageBody(JSON.stringify({ Records: [record] }))).toEqual({
      kind: 'records',
      records: [{ kind: 'ignored', eventName, key: 'a b.txt', bucket: 'uploads' }],
    });
  });

  it('strips the s3: prefix some S3-compatible stores put on event names', () => {
    const parsed = parseMessageBody(s3EventBody({ eventName: 's3:ObjectCreated:Put' }));
    expect(parsed).toMatchObject({ records: [{ kind: 'object', event: { eventName: 'ObjectCreated:Put' } }] });
  });

  it.each([
    ['malformed JSON', '{"Records": [', 'malformed-json'],
    ['an empty body', '', 'malformed-json'],
    [
      'an SNS envelope whose Message is not JSON',
      JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:eu-west-1:1:t', Message: 'hello' }),
      'malformed-json',
    ],
    ['a JSON array', '[]', 'not-an-s3-event'],
    ['an unrelated object', '{"hello":"world"}', 'not-an-s3-event'],
    ['another service', JSON.stringify({ Records: [{ ...s3EventRecord(), eventSource: 'aws:sns' }] }), 'not-an-s3-event'],
    ['no records', '{"Records": []}', 'schema-violation'],
    ['a broken key', s3EventBody({ rawKey: '100%.txt' }), 'undecodable-key'],
    [
      'a created record without sequencer',
      JSON.stringify({ Records: [{ ...s3EventRecord(), s3: { bucket: { name: 'b' }, object: { key: 'k' } } }] }),
      'schema-violation',
    ],
    [
      'a removal without sequencer',
      JSON.stringify({
        Records: [{ ...s3EventRecord({ eventName: 'ObjectRemoved:Delete' }), s3: { bucket: { name: 'b' }, object: { key: 'k' } } }],
      }),
      'schema-violation',
    ],
    ['a bad event time', s3EventBody({ eventTime: 'yesterday' }), 'schema-violation'],
    ['a negative size', s3EventBody({ size: -1 }), 'schema-violation'],
    ['a pusher message without key', JSON.stringify({ ...pusherMessage(), key: '' }), 'schema-violation'],
    ['a pusher message with an unknown state', JSON.stringify({ ...pusherMessage(), state: 'gone' }), 'schema-violation'],
    ['pusher metadata that is not strings', JSON.stringify({ ...pusherMessage(), metadata: { n: 1 } }), 'schema-violation'],
  ])('refuses %s as %s', (_what, body, reason) => {
    expect(reasonOf(body)).toBe(reason);
  });

  it('refuses only the poison record of a message; its neighbours stay readable', () => {
    const parsed = parseMessageBody(s3EventBody({ key: 'good' }, { rawKey: '%E0%A4%A' }));
    expect(parsed).toMatchObject({
      kind: 'records',
      records: [
        { kind: 'object', event: { key: 'good' } },
        { kind: 'poison', error: { reason: 'undecodable-key' } },
      ],
    });
  });
});

describe('S3 events through EventBridge', () => {
  const event = (detailType: string, detail: Record<string, unknown>, object: Record<string, unknown> = {}) =>
    JSON.stringify({
      version: '0',
      id: 'e1',
      'detail-type': detailType,
      source: 'aws.s3',
      account: '123456789012',
      time: '2026-11-27T10:00:00Z',
      region: 'eu-west-1',
      resources: ['arn:aws:s3:::uploads'],
      detail: {
        version: '0',
        bucket: { name: 'uploads' },
        object: { key: 'red+flower+%2B+1.jpg', size: 9, etag: 'e', 'version-id': 'v1', sequencer: '0055AED6DCD90281E5', ...object },
        ...detail,
      },
    });

  it('maps the detail onto the same event the notification would give, key decoded', () => {
    expect(parseMessageBody(event('Object Created', { reason: 'PutObject' }))).toEqual({
      kind: 'records',
      records: [
        {
          kind: 'object',
          event: {
            bucket: 'uploads',
            key: 'red flower + 1.jpg',
            eventName: 'ObjectCreated:Put',
            eventTime: '2026-11-27T10:00:00Z',
            sequencer: '0055AED6DCD90281E5',
            size: 9,
            etag: 'e',
            versionId: 'v1',
          },
        },
      ],
    });
  });

  it.each([
    ['Object Created', { reason: 'CopyObject' }, 'ObjectCreated:Copy'],
    ['Object Created', { reason: 'CompleteMultipartUpload' }, 'ObjectCreated:CompleteMultipartUpload'],
    ['Object Deleted', { reason: 'DeleteObject', 'deletion-type': 'Permanently Deleted' }, 'ObjectRemoved:Delete'],
    ['Object Deleted', { reason: 'DeleteObject', 'deletion-type': 'Delete Marker Created' }, 'ObjectRemoved:DeleteMarkerCreated'],
    ['Object Deleted', { reason: 'Lifecycle Expiration', 'deletion-type': 'Permanently Deleted' }, 'LifecycleExpiration:Delete'],
    [
      'Object Deleted',
      { reason: 'Lifecycle Expiration', 'deletion-type': 'Delete Marker Created' },
      'LifecycleExpiration:DeleteMarkerCreated',
    ],
  ])('"%s" %j is %s', (detailType, detail, eventName) => {
    expect(parseMessageBody(event(detailType, detail))).toMatchObject({ records: [{ kind: 'object', event: { eventName } }] });
  });

  it('ignores other detail types, and refuses a created event without sequencer as a whole', () => {
    expect(parseMessageBody(event('Object Storage Class Changed', {}, { sequencer: undefined }))).toMatchObject({
      records: [{ kind: 'ignored', eventName: 'Object Storage Class Changed' }],
    });
    expect(reasonOf(event('Object Created', { reason: 'PutObject' }, { sequencer: undefined }))).toBe('schema-violation');
  });
});
