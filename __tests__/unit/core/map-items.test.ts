import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadItemError, exportRow, objectRow } from '../../../src/core/map-items';
import { encodeS3Key } from '../../../src/core/s3-key';

const SAMPLES = join(__dirname, '..', '..', 'fixtures', 'aws-samples');
const sample = (name: string) => readFileSync(join(SAMPLES, name), 'utf8');

describe('Distributed Map items', () => {
  it('reads the inventory item of the Step Functions guide (every value a string)', () => {
    expect(objectRow(JSON.parse(sample('stepfunctions-inventory-child-input.json')))).toEqual({
      kind: 'object',
      bucket: 'amzn-s3-demo-source-bucket',
      entry: {
        key: 'csvDataset/titles.csv',
        size: 3399671,
        etag: undefined,
        versionId: undefined,
        lastModified: '2022-11-16T00:29:32.000Z',
      },
    });
  });

  it('reads the ListObjectsV2 item of the guide (Etag quoted, LastModified in epoch seconds)', () => {
    expect(objectRow(JSON.parse(sample('stepfunctions-listobjectsv2-child-input.json')))).toEqual({
      kind: 'object',
      entry: {
        key: 'processData/images/n02085620_1073.jpg',
        size: 34910,
        etag: '"05704fbdccb224cb01c59005bebbad28"',
        lastModified: '2022-11-17T15:44:41.000Z',
      },
    });
  });

  it.each(['my folder/a+b café ü.txt', 'a%20b', '100%.csv', 'x/y?z=1&w#frag', '  lead'])(
    'decodes the URL-encoded inventory key %j',
    (key) => {
      const row = objectRow({ Bucket: 'b', Key: encodeS3Key(key), Size: '1' });
      expect(row.kind === 'object' && row.entry.key).toBe(key);
    },
  );

  it('skips noncurrent versions and delete markers of an inventory of all versions; keeps the version id', () => {
    const base = { Bucket: 'b', Key: 'k', Size: '1', VersionId: 'v1' };
    expect(objectRow({ ...base, IsLatest: 'false', IsDeleteMarker: 'false' })).toEqual({ kind: 'skip', why: 'noncurrent' });
    expect(objectRow({ ...base, IsLatest: 'true', IsDeleteMarker: 'true' })).toEqual({ kind: 'skip', why: 'delete-marker' });
    const row = objectRow({ ...base, IsLatest: 'true', IsDeleteMarker: 'false', ETag: 'abc' });
    expect(row).toMatchObject({ kind: 'object', entry: { versionId: 'v1', etag: 'abc' } });
    // An object written before versioning was enabled has the version "null": none to compare.
    expect(objectRow({ ...base, VersionId: 'null', IsLatest: 'true' })).toMatchObject({ entry: { versionId: undefined } });
  });

  it.each([
    [null, 'no Key'],
    [{ Bucket: 'b', Size: '1' }, 'no Key'],
    [{ Bucket: 'b', Key: 'k', Size: 'many' }, 'Size is not a byte count'],
    [{ Bucket: 'b', Key: 'k', Size: '-1' }, 'Size is not a byte count'],
    [{ Bucket: 'b', Key: '%E0%A4%A', Size: '1' }, 'not URL-encoded'],
    [{ Key: 'k', Size: 1.5 }, 'Size is not a byte count'],
  ])('refuses %j with a reason', (item, reason) => {
    expect(() => objectRow(item)).toThrow(BadItemError);
    expect(() => objectRow(item)).toThrow(reason);
  });

  it('reads export lines (DynamoDB JSON): key, bucket, deleted, size, message id; refuses other items', () => {
    const [other, deleted, live] = sample('dynamodb-export-data.json')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(() => exportRow(other)).toThrow('export item without s3_key and bucket');
    expect(exportRow(deleted)).toEqual({
      key: 'incoming/a b+c%.txt',
      bucket: 'ingest-dev-uploads-111111111111',
      deleted: true,
      size: 2,
      messageId: 'm-1',
    });
    expect(exportRow(live)).toMatchObject({ key: 'incoming/report.pdf', deleted: false, size: 1024 });
    expect(() => exportRow({ item: {} })).toThrow('not a DynamoDB export line');
  });
});
