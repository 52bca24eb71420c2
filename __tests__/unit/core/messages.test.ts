import { parseMessageBody } from '../../../src/core/messages';
import { pusherMessage, s3EventBody, s3EventRecord, testEventBody } from '../../helpers/factories';

const reasonOf = (body: string): string => {
  try {
    parseMessageBody(body);
  } catch (e) {
    return (e as { reason: string }).reason;
  }
  throw new Error('expected the body to be refused');
};

describe('parseMessageBody', () => {
  it('reads a raw S3 event notification and decodes its keys', () => {
    const parsed = parseMessageBody(s3EventBody({ key: 'my folder/a+b.txt', size: 0, versionId: 'v1' }));
    expect(parsed).toEqual({
      kind: 'objects',
      events: [
        {
          bucket: 'uploads',
          key: 'my folder/a+b.txt',
          eventName: 'ObjectCreated:Put',
          eventTime: '2026-11-27T10:00:00.000Z',
          sequencer: '0055AED6DCD90281E5',
          size: 0,
          etag: 'd41d8cd98f00b204e9800998ecf8427e',
          versionId: 'v1',
        },
      ],
    });
  });

  it('reads every record of a multi-record notification', () => {
    const parsed = parseMessageBody(s3EventBody({ key: 'a' }, { key: 'b' }));
    expect(parsed.kind === 'objects' && parsed.events.map((e) => e.key)).toEqual(['a', 'b']);
  });

  it("reads the pusher's enriched message without decoding its key", () => {
    const parsed = parseMessageBody(JSON.stringify(pusherMessage({ key: 'a+b c.txt', metadata: { owner: 'x' } })));
    expect(parsed).toMatchObject({ kind: 'objects', events: [{ key: 'a+b c.txt', contentType: 'text/plain', metadata: { owner: 'x' } }] });
  });

  it("recognises S3's s3:TestEvent", () => {
    expect(parseMessageBody(testEventBody('uploads'))).toEqual({ kind: 'test-event', bucket: 'uploads' });
  });

  it.each([
    ['malformed JSON', '{"Records": [', 'malformed-json'],
    ['an empty body', '', 'malformed-json'],
    ['a JSON array', '[]', 'not-an-s3-event'],
    ['an unrelated object', '{"hello":"world"}', 'not-an-s3-event'],
    ['another service', JSON.stringify({ Records: [{ ...s3EventRecord(), eventSource: 'aws:sns' }] }), 'not-an-s3-event'],
    ['no records', '{"Records": []}', 'schema-violation'],
    ['a broken key', s3EventBody({ rawKey: '100%.txt' }), 'undecodable-key'],
    ['a missing sequencer', JSON.stringify({ Records: [{ ...s3EventRecord(), s3: { bucket: { name: 'b' }, object: { key: 'k' } } }] }), 'schema-violation'],
    ['a bad event time', s3EventBody({ eventTime: 'yesterday' }), 'schema-violation'],
    ['a negative size', s3EventBody({ size: -1 }), 'schema-violation'],
    ['a pusher message without key', JSON.stringify({ ...pusherMessage(), key: '' }), 'schema-violation'],
    ['pusher metadata that is not strings', JSON.stringify({ ...pusherMessage(), metadata: { n: 1 } }), 'schema-violation'],
  ])('refuses %s as %s', (_what, body, reason) => {
    expect(reasonOf(body)).toBe(reason);
  });

  it('refuses the whole message when any one record is poison', () => {
    expect(reasonOf(s3EventBody({ key: 'good' }, { rawKey: '%E0%A4%A' }))).toBe('undecodable-key');
  });
});
