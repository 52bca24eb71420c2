import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { S3BucketNotification } from '@cdktf/provider-aws/lib/s3-bucket-notification';
import { Construct } from 'constructs';
import { metricNamespace, notificationEvents, processorEnvironment, pusherEnvironment, queueSettings, resourceNames } from '../config/derive';
import type { PipelineConfig } from '../config/types';
import { AlertTopic } from './alert-topic';
import { BundledFunction } from './bundled-function';
import { partitionOf, type PolicyStatement } from './iam';
import { IngestTable } from './ingest-table';
import { PipelineAlarms } from './pipeline-alarms';
import { ProcessingQueue } from './processing-queue';
import { SecureBucket } from './secure-bucket';

export interface IngestionPipelineProps {
  /** A validated config (`resolveConfig`/`loadConfig`). */
  config: PipelineConfig;
}

/**
 * The whole S3 → SQS → Lambda → DynamoDB pipeline for one environment. It only wires:
 * each noun holds its own defaults.
 *
 * - `direct` mode: the bucket notifies the queue; the notification waits for the queue policy.
 * - `pusher` mode: the bucket invokes the pusher (permission scoped to the bucket and account,
 *   bounded async retries, failures to the DLQ), which enqueues enriched messages.
 */
export class IngestionPipeline extends Construct {
  public readonly uploads: SecureBucket;
  public readonly queues: ProcessingQueue;
  public readonly table: IngestTable;
  public readonly processor: BundledFunction;
  public readonly pusher?: BundledFunction;
  /** Pusher mode: bounded async retries and the on-failure destination. */
  public readonly pusherInvokeConfig?: LambdaFunctionEventInvokeConfig;
  public readonly eventSourceMapping: LambdaEventSourceMapping;
  public readonly notification: S3BucketNotification;
  public readonly alerts: AlertTopic;
  public readonly alarms: PipelineAlarms;

  public constructor(scope: Construct, id: string, props: IngestionPipelineProps) {
    super(scope, id);
    const cfg = props.config;
    const names = resourceNames(cfg);
    const partition = partitionOf(cfg.region);
    const direct = cfg.mode === 'direct';

    this.uploads = new SecureBucket(this, 'uploads', {
      bucketName: names.bucket,
      forceDestroy: cfg.bucket.forceDestroy,
      expireAfterDays: cfg.bucket.expireAfterDays,
      noncurrentVersionExpirationDays: cfg.bucket.noncurrentVersionExpirationDays,
    });
    const bucketArn = this.uploads.bucket.arn;
    const objectsArn = `${bucketArn}/*`;

    this.queues = new ProcessingQueue(this, 'queues', {
      queueName: names.queue,
      deadLetterQueueName: names.deadLetterQueue,
      settings: queueSettings(cfg),
      allowS3From: direct ? { bucketArn, accountId: cfg.accountId } : undefined,
    });
    const { queue, deadLetterQueue } = this.queues;

    this.table = new IngestTable(this, 'objects', { tableName: names.table, deletionProtection: cfg.table.deletionProtection });

    const common = { accountId: cfg.accountId, logRetentionDays: cfg.logRetentionDays };
    const readObjects: PolicyStatement = { sid: 'HeadObjects', actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [objectsArn] };
    this.processor = new BundledFunction(this, 'processor', {
      ...common,
      handler: 'processor',
      functionName: names.processor,
      timeoutSeconds: cfg.processor.timeoutSeconds,
      memoryMb: cfg.processor.memoryMb,
      reservedConcurrency: cfg.processor.reservedConcurrency,
      environment: processorEnvironment(cfg, { tableName: this.table.table.name, deadLetterQueueUrl: deadLetterQueue.url }),
      statements: [
        { sid: 'ConsumeQueue', actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], resources: [queue.arn] },
        { sid: 'DeadLetterPoison', actions: ['sqs:SendMessage'], resources: [deadLetterQueue.arn] },
        {
          sid: 'WriteItems',
          actions: cfg.handleDeletes ? ['dynamodb:PutItem', 'dynamodb:UpdateItem'] : ['dynamodb:PutItem'],
          resources: [this.table.table.arn],
        },
        // Pusher messages carry the metadata already; only raw S3 events need HeadObject.
        ...(direct ? [readObjects] : []),
      ],
    });

    this.eventSourceMapping = new LambdaEventSourceMapping(this, 'processor-mapping', {
      eventSourceArn: queue.arn,
      functionName: this.processor.function.arn,
      batchSize: cfg.processor.batchSize,
      maximumBatchingWindowInSeconds: cfg.processor.batchingWindowSeconds,
      functionResponseTypes: ['ReportBatchItemFailures'],
      scalingConfig: { maximumConcurrency: cfg.processor.maxConcurrency },
      // Lambda checks the role's queue permissions when it creates the mapping.
      dependsOn: [this.processor.function],
    });

    const filter = {
      filterPrefix: cfg.filters.prefix || undefined,
      filterSuffix: cfg.filters.suffix || undefined,
      events: notificationEvents(cfg),
    };
    if (direct) {
      this.notification = new S3BucketNotification(this, 'notification', {
        bucket: this.uploads.bucket.id,
        queue: [{ id: 'to-processing-queue', queueArn: queue.arn, ...filter }],
        // S3 validates the destination when the notification is written: the policy must exist first.
        dependsOn: [this.queues.queuePolicy],
      });
    } else {
      const pusher = new BundledFunction(this, 'pusher', {
        ...common,
        handler: 'pusher',
        functionName: names.pusher,
        timeoutSeconds: cfg.pusher.timeoutSeconds,
        memoryMb: cfg.pusher.memoryMb,
        environment: pusherEnvironment(cfg, { queueUrl: queue.url, deadLetterQueueUrl: deadLetterQueue.url }),
        statements: [
          readObjects,
          // The DLQ receives rejected-as-poison records and, as on-failure destination, failed invocations.
          { sid: 'Enqueue', actions: ['sqs:SendMessage'], resources: [queue.arn, deadLetterQueue.arn] },
        ],
      });
      this.pusher = pusher;
      this.pusherInvokeConfig = new LambdaFunctionEventInvokeConfig(this, 'pusher-async', {
        functionName: pusher.function.functionName,
        maximumRetryAttempts: cfg.pusher.maxRetryAttempts,
        maximumEventAgeInSeconds: cfg.pusher.maxEventAgeSeconds,
        destinationConfig: { onFailure: { destination: deadLetterQueue.arn } },
      });
      const permission = new LambdaPermission(this, 'pusher-s3-permission', {
        statementId: 'AllowS3Invoke',
        action: 'lambda:InvokeFunction',
        functionName: pusher.function.functionName,
        principal: 's3.amazonaws.com',
        sourceArn: bucketArn,
        sourceAccount: cfg.accountId,
      });
      this.notification = new S3BucketNotification(this, 'notification', {
        bucket: this.uploads.bucket.id,
        lambdaFunction: [{ id: 'to-pusher', lambdaFunctionArn: pusher.function.arn, ...filter }],
        // S3 test-invokes the function when the notification is written: the permission must exist first.
        dependsOn: [permission],
      });
    }

    this.alerts = new AlertTopic(this, 'alerts', {
      topicName: names.topic,
      accountId: cfg.accountId,
      partition,
      region: cfg.region,
      emails: cfg.alertEmails,
    });
    this.alarms = new PipelineAlarms(this, 'alarms', {
      namePrefix: cfg.namePrefix,
      metricNamespace: metricNamespace(cfg),
      topicArn: this.alerts.topic.arn,
      queueName: names.queue,
      deadLetterQueueName: names.deadLetterQueue,
      functions: this.pusher ? { processor: this.processor, pusher: this.pusher } : { processor: this.processor },
      thresholds: cfg.alarms,
    });
  }
}
