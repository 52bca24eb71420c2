import { loadAllConfigs } from '../../config/load';
import { localResourceSpec } from '../../local/resources';
import { resourceOf, synthPipeline } from '../helpers/synth';

describe('local run and stack are built from one source of truth', () => {
  it.each(loadAllConfigs().map((c) => [c.environment, c]))('%s: the emulated resources have the synthesized settings', (_env, cfg) => {
    const spec = localResourceSpec(cfg);
    const s = synthPipeline(cfg);
    const queue = resourceOf(s, 'aws_sqs_queue', 'queues_queue_');
    const dlq = resourceOf(s, 'aws_sqs_queue', 'dead-letter-queue');
    const table = resourceOf(s, 'aws_dynamodb_table');
    expect(spec).toEqual({
      bucket: resourceOf(s, 'aws_s3_bucket', 'uploads').bucket,
      queue: {
        name: queue.name,
        visibilityTimeoutSeconds: queue.visibility_timeout_seconds,
        retentionSeconds: queue.message_retention_seconds,
        maxReceiveCount: JSON.parse(queue.redrive_policy as string).maxReceiveCount,
      },
      deadLetterQueue: { name: dlq.name, retentionSeconds: dlq.message_retention_seconds },
      table: { name: table.name, partitionKey: table.hash_key, sortKey: table.range_key },
      ...(cfg.mode === 'pusher'
        ? {
            pusherFailureQueue: {
              name: resourceOf(s, 'aws_sqs_queue', 'pusher-failures').name,
              retentionSeconds: resourceOf(s, 'aws_sqs_queue', 'pusher-failures').message_retention_seconds,
            },
          }
        : {}),
      ...(cfg.reconcile.distributed ? { inventoryBucket: resourceOf(s, 'aws_s3_bucket', 'inventory').bucket } : {}),
    });
  });
});
