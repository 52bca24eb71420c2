import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { createProcessorHandler } from '../../../src/app/processor-app';
import { mockedClients, PROCESSOR_ENV, serviceError } from '../../helpers/aws-mocks';
import { lambdaContext, s3EventBody, sqsRecord } from '../../helpers/factories';
import { propertyRuns } from '../../helpers/property-runs';

type Kind = 'good' | 'duplicate' | 'poison' | 'transient';
const POISON_BODIES = ['{', '{"a":1}', s3EventBody({ rawKey: '%E0%A4%A' }), s3EventBody({ sequencer: 'zz' })];

/**
 * For random batches mixing good, duplicate, poison and transient-failing records, the
 * handler's response lists exactly the transient ones; poison goes to the DLQ with a
 * reason; every good object is written exactly once.
 */
describe('processor batch properties', () => {
  const mocks = mockedClients();
  const handler = createProcessorHandler({ env: { ...PROCESSOR_ENV, RECORD_CONCURRENCY: '5' }, clients: mocks.clients });

  it('fails exactly the transient records, dead-letters every poison one, writes every good one once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ kind: fc.constantFrom<Kind>('good', 'duplicate', 'poison', 'transient'), poison: fc.nat(POISON_BODIES.length - 1) }),
          {
            minLength: 1,
            maxLength: 30,
          },
        ),
        async (specs) => {
          mocks.s3.reset();
          mocks.dynamodb.reset();
          mocks.sqs.reset();
          const stored = new Map<string, number>();
          const records = specs.map((spec, i) => {
            const id = `m${i}`;
            const key = `${spec.kind}/${i}`;
            return {
              id,
              kind: spec.kind,
              key,
              record: sqsRecord(spec.kind === 'poison' ? POISON_BODIES[spec.poison]! : s3EventBody({ key }), id),
            };
          });
          mocks.s3.on(HeadObjectCommand).resolves({ ContentType: 'text/plain', ContentLength: 1 });
          mocks.sqs.on(SendMessageCommand).resolves({});
          // A refused write finds no item to compare with: a duplicate, as before.
          mocks.dynamodb.on(GetItemCommand).resolves({});
          mocks.dynamodb.on(PutItemCommand).callsFake(async (input) => {
            const key = input.Item.s3_key.S as string;
            if (key.startsWith('transient/')) throw serviceError('ProvisionedThroughputExceededException', 400);
            if (key.startsWith('duplicate/')) throw new ConditionalCheckFailedException({ message: 'exists', $metadata: {} });
            stored.set(key, (stored.get(key) ?? 0) + 1);
            return {};
          });

          const response = await handler({ Records: records.map((r) => r.record) }, lambdaContext());

          const ids = (kind: Kind) => records.filter((r) => r.kind === kind).map((r) => r.id);
          expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(ids('transient').sort());
          const deadLettered = mocks.sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
          expect(deadLettered.map((d) => d.MessageAttributes!.source_message_id!.StringValue).sort()).toEqual(ids('poison').sort());
          expect(deadLettered.every((d) => (d.MessageAttributes!.reason!.StringValue ?? '').length > 0)).toBe(true);
          const good = records.filter((r) => r.kind === 'good').map((r) => r.key);
          expect([...stored.keys()].sort()).toEqual(good.sort());
          expect([...stored.values()].every((n) => n === 1)).toBe(true);
        },
      ),
      { numRuns: propertyRuns(1000) },
    );
  });
});
