import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { INVENTORY_COLUMNS } from '../../../config/derive';
import { inventoryRows, schemaColumns } from '../../../local/reconcile/item-readers';
import { exportRow, objectRow } from '../../../src/core/map-items';
import { encodeS3Key } from '../../../src/core/s3-key';

const SAMPLES = join(__dirname, '..', '..', 'fixtures', 'aws-samples');
const sample = (name: string) => readFileSync(join(SAMPLES, name), 'utf8');

describe('the inventory and export files, read as the Distributed Map reads them', () => {
  it("makes the guide's child input of the guide's CSV rows under its manifest's fileSchema", () => {
    const manifest = JSON.parse(sample('stepfunctions-inventory-manifest.json'));
    const rows = inventoryRows(sample('stepfunctions-inventory-data.csv'), schemaColumns(manifest.fileSchema));
    expect(rows).toHaveLength(4);
    expect(rows[1]).toEqual(JSON.parse(sample('stepfunctions-inventory-child-input.json')));
  });

  it('reads the columns of an inventory of all versions, as the stack configures it', () => {
    const manifest = JSON.parse(sample('s3-inventory-manifest-versions.json'));
    expect(schemaColumns(manifest.fileSchema)).toEqual(INVENTORY_COLUMNS.slice(0, 5));
    expect(INVENTORY_COLUMNS.join(', ')).toBe(`${manifest.fileSchema}, Size, LastModifiedDate, ETag`);
  });

  it('round-trips hostile keys through the CSV the local inventory writes (quoted, URL-encoded)', () => {
    const keys = ['comma, "quoted".txt', 'new\nline.txt', 'a+b c%20d é.txt', '"', ' '];
    const csv = stringify(
      keys.map((k) => ['b', encodeS3Key(k), '', 'true', 'false', '1', '2026-12-02T00:00:00.000Z', 'e']),
      { quoted: true, record_delimiter: '\n' },
    );
    const read = inventoryRows(csv, [...INVENTORY_COLUMNS]).map((r) => objectRow(r));
    expect(read.map((r) => r.kind === 'object' && r.entry.key)).toEqual(keys);
  });

  it('reads the DynamoDB export sample: a foreign item is refused by name, ours are read', () => {
    const summary = JSON.parse(sample('dynamodb-export-manifest-summary.json'));
    expect(summary).toMatchObject({
      outputFormat: 'DYNAMODB_JSON',
      manifestFilesS3Key: expect.stringMatching(/AWSDynamoDB\/[^/]+\/manifest-files\.json$/),
    });
    const lines = sample('dynamodb-export-data.json')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(() => exportRow(lines[0])).toThrow('export item without s3_key and bucket');
    expect(lines.slice(1).map((l) => exportRow(l).key)).toEqual(['incoming/a b+c%.txt', 'incoming/report.pdf']);
  });
});
