import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { S3BucketNotification } from '@cdktf/provider-aws/lib/s3-bucket-notification';
import { Construct } from 'constructs';
import {
  encodedKeyFilters,
  eventPattern,
  notificationEvents,
  processorEnvironment,
  processorReservedConcurrency,
  pusherEnvironment,
  queueSettings,
  resourceNames,
  type ResourceNames,
} from '../config/derive';
import type { PipelineConfig } from '../config/types';
import { AlertTopic } from './alert-topic';
import { BundledFunction } from './bundled-function';
import { DistributedReconcile } from './distributed-reconcile';
import { FailureQueue } from './failure-queue';
import { partitionOf, type PolicyStatement } from './policy-document';
import { IngestTable } from './ingest-table';
import { PipelineAlarms } from './pipeline-alarms';
import { PipelineDashboard } from './pipeline-dashboard';
import { PipelineMetrics } from './pipeline-metrics';
import { ProcessingQueue, type ServiceSender } from './processing-queue';
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
 *   bounded async retries, failed events to a failure queue of its own, replayable with
 *   `npm run dlq -- replay`), which enqueues enriched messages.
 *
 * Whichever function calls HeadObject may also `s3:ListBucket`: S3 then answers 404 for a
 * missing object (skipped), not 403 (retried until redriven, paging someone).
 */
export class IngestionPipeline extends Construct {
  public readonly uploads: SecureBucket;
  public readonly queues: ProcessingQueue;
  public readonly table: IngestTable;
  public readonly processor: BundledFunction;
  public readonly pusher?: BundledFunction;
  /** Pusher mode: bounded async retries and the on-failure destination. */
  public readonly pusherInvokeConfig?: LambdaFunctionEventInvokeConfig;
  /** Pusher mode: the on-failure destination. */
  public readonly pusherFailures?: FailureQueue;
  /** Eventbridge mode: the rule on the default bus that matches the bucket's events. */
  public readonly eventRule?: CloudwatchEventRule;
  /** Eventbridge mode: the rule's target, the processing queue. */
  public readonly eventTarget?: CloudwatchEventTarget;
  public readonly eventSourceMapping: LambdaEventSourceMapping;
  public readonly notification: S3BucketNotification;
  public readonly alerts: AlertTopic;
  public readonly alarms: PipelineAlarms;
  public readonly dashboard: PipelineDashboard;
  /** When `bucket.accessLogging`: the uploads bucket's server access logs. */
  public readonly accessLogs?: SecureBucket;
  /** When `reconcile.distributed`: inventory, reconcile function and state machine. */
  public readonly reconcile?: DistributedReconcile;

  private readonly cfg: PipelineConfig;
  private readonly names: ResourceNames;

  public constructor(scope: Construct, id: string, props: IngestionPipelineProps) {
    super(scope, id);
    this.cfg = props.config;
    this.names = resourceNames(this.cfg);
    const mode = this.cfg.mode;

    if (this.cfg.bucket.accessLogging) this.accessLogs = this.addAccessLogBucket();
    this.uploads = this.addUploadsBucket();
    if (mode === 'eventbridge') this.eventRule = this.addEventRule();
    this.queues = this.addQueues(this.queueSender());
    this.table = new IngestTable(this, 'objects', { tableName: this.names.table, deletionProtection: this.cfg.table.deletionProtection });
    this.processor = this.addProcessor();
    this.eventSourceMapping = this.addEventSourceMapping();
    if (mode === 'direct') {
      this.notification = this.addDirectNotification();
    } else if (mode === 'eventbridge') {
      this.eventTarget = this.addEventTarget(this.eventRule!);
      this.notification = new S3BucketNotification(this, 'notification', { bucket: this.uploads.bucket.id, eventbridge: true });
    } else {
      this.pusherFailures = new FailureQueue(this, 'pusher-failures', { queueName: this.names.pusherFailureQueue });
      const { pusher, invokeConfig, notification } = this.addPusher(this.pusherFailures);
      this.pusher = pusher;
      this.pusherInvokeConfig = invokeConfig;
      this.notification = notification;
    }
    this.alerts = this.addAlerts();
    const metrics = new PipelineMetrics(this.cfg);
    this.alarms = new PipelineAlarms(this, 'alarms', {
      config: this.cfg,
      metrics,
      topicArn: this.alerts.topic.arn,
      functions: this.pusher ? { processor: this.processor, pusher: this.pusher } : { processor: this.processor },
    });
    if (this.cfg.reconcile.distributed) {
      this.reconcile = new DistributedReconcile(this, 'reconcile', {
        config: this.cfg,
        uploadsBucket: { name: this.uploads.bucket.bucket, arn: this.uploads.bucket.arn },
        table: { name: this.table.table.name, arn: this.table.table.arn },
        queue: { url: this.queues.queue.url, arn: this.queues.queue.arn },
        topicArn: this.alerts.topic.arn,
      });
    }
    this.dashboard = new PipelineDashboard(this, 'dashboard', { dashboardName: this.names.dashboard, region: this.cfg.region, metrics });
  }

  /**
   * HeadObject of the objects the notification can name (under its prefix), current or a given
   * version, and ListBucket so a missing one is a 404. S3 evaluates the ListBucket check behind a
   * HeadObject of a missing key with `s3:prefix` = the object key, so `StringLike` on the prefix
   * grants exactly that check for keys under the prefix (and listings of it), nothing wider.
   */
  private headObjectStatements(): PolicyStatement[] {
    const prefix = this.cfg.filters.prefix;
    return [
      { sid: 'HeadObjects', actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [`${this.uploads.bucket.arn}/${prefix}*`] },
      {
        sid: 'MissingIsNotFound',
        actions: ['s3:ListBucket'],
        resources: [this.uploads.bucket.arn],
        ...(prefix ? { conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } } : {}),
      },
    ];
  }

  /** The notification's event types and prefix/suffix filter (URL-encoded, as S3 requires), the same for both modes. */
  private notificationFilter() {
    const { prefix, suffix } = encodedKeyFilters(this.cfg);
    return { filterPrefix: prefix || undefined, filterSuffix: suffix || undefined, events: notificationEvents(this.cfg) };
  }

  private addUploadsBucket(): SecureBucket {
    const b = this.cfg.bucket;
    return new SecureBucket(this, 'uploads', {
      bucketName: this.names.bucket,
      forceDestroy: b.forceDestroy,
      expireAfterDays: b.expireAfterDays,
      noncurrentVersionExpirationDays: b.noncurrentVersionExpirationDays,
      accessLogs: this.accessLogs ? { targetBucket: this.accessLogs.bucket.id, targetPrefix: `${this.names.bucket}/` } : undefined,
    });
  }

  /**
   * The uploads bucket's server access logs: a bucket of their own (a bucket logging to itself
   * logs its own log writes), hardened like every bucket, SSE-S3 (the only encryption S3's
   * log delivery supports), written only by the logging service for this bucket and account.
   */
  private addAccessLogBucket(): SecureBucket {
    const b = this.cfg.bucket;
    const target = `arn:${partitionOf(this.cfg.region)}:s3:::${this.names.accessLogBucket}`;
    return new SecureBucket(this, 'access-logs', {
      bucketName: this.names.accessLogBucket,
      forceDestroy: b.forceDestroy,
      expireAfterDays: b.accessLogRetentionDays,
      noncurrentVersionExpirationDays: 1,
      statements: [
        {
          sid: 'S3ServerAccessLogsPolicy',
          principal: { Service: 'logging.s3.amazonaws.com' },
          actions: ['s3:PutObject'],
          resources: [`${target}/${this.names.bucket}/*`],
          conditions: {
            ArnLike: { 'aws:SourceArn': `arn:${partitionOf(this.cfg.region)}:s3:::${this.names.bucket}` },
            StringEquals: { 'aws:SourceAccount': this.cfg.accountId },
          },
        },
      ],
    });
  }

  /** Who may send to the queue: S3 (direct mode), the EventBridge rule (eventbridge mode), nobody else. */
  private queueSender(): ServiceSender | undefined {
    if (this.cfg.mode === 'direct')
      return { service: 's3.amazonaws.com', sourceArn: this.uploads.bucket.arn, accountId: this.cfg.accountId };
    if (this.cfg.mode === 'eventbridge')
      return { service: 'events.amazonaws.com', sourceArn: this.eventRule!.arn, accountId: this.cfg.accountId, deadLetterToo: true };
    return undefined;
  }

  private addQueues(sender: ServiceSender | undefined): ProcessingQueue {
    return new ProcessingQueue(this, 'queues', {
      queueName: this.names.queue,
      deadLetterQueueName: this.names.deadLetterQueue,
      settings: queueSettings(this.cfg),
      allowServiceFrom: sender,
    });
  }

  private addProcessor(): BundledFunction {
    const cfg = this.cfg;
    const { queue, deadLetterQueue } = this.queues;
    return new BundledFunction(this, 'processor', {
      handler: 'processor',
      functionName: this.names.processor,
      accountId: cfg.accountId,
      logRetentionDays: cfg.logRetentionDays,
      logLevel: cfg.logLevel,
      runtime: cfg.runtime,
      timeoutSeconds: cfg.processor.timeoutSeconds,
      memoryMb: cfg.processor.memoryMb,
      reservedConcurrency: processorReservedConcurrency(cfg),
      environment: processorEnvironment(cfg, { tableName: this.table.table.name, deadLetterQueueUrl: deadLetterQueue.url }),
      statements: [
        { sid: 'ConsumeQueue', actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], resources: [queue.arn] },
        { sid: 'DeadLetterPoison', actions: ['sqs:SendMessage'], resources: [deadLetterQueue.arn] },
        {
          sid: 'WriteItems',
          // UpdateItem: deletion marks and backfilled objects. GetItem: a refused write is checked
          // against the item before S3 is asked whether the event is current.
          actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'],
          resources: [this.table.table.arn],
        },
        // Raw S3 events (direct, eventbridge) are looked up with HeadObject; in every mode a write the
        // ordering rule refused, whose event differs from the item, is checked against S3's current version.
        ...this.headObjectStatements(),
      ],
    });
  }

  private addEventSourceMapping(): LambdaEventSourceMapping {
    const p = this.cfg.processor;
    return new LambdaEventSourceMapping(this, 'processor-mapping', {
      eventSourceArn: this.queues.queue.arn,
      functionName: this.processor.function.arn,
      batchSize: p.batchSize,
      maximumBatchingWindowInSeconds: p.batchingWindowSeconds,
      functionResponseTypes: ['ReportBatchItemFailures'],
      scalingConfig: { maximumConcurrency: p.maxConcurrency },
      // Lambda checks the role's queue permissions when it creates the mapping.
      dependsOn: [this.processor.function],
    });
  }

  private addDirectNotification(): S3BucketNotification {
    return new S3BucketNotification(this, 'notification', {
      bucket: this.uploads.bucket.id,
      queue: [{ id: 'to-processing-queue', queueArn: this.queues.queue.arn, ...this.notificationFilter() }],
      // S3 validates the destination when the notification is written: the policy must exist first.
      dependsOn: [this.queues.queuePolicy],
    });
  }

  private addEventRule(): CloudwatchEventRule {
    return new CloudwatchEventRule(this, 'event-rule', {
      name: this.names.eventRule,
      description: `S3 events of ${this.names.bucket} to the ${this.names.queue} queue`,
      eventPattern: JSON.stringify(eventPattern(this.cfg)),
    });
  }

  /**
   * Eventbridge mode: the bucket's notification sends every event to EventBridge and names no
   * other destination (other consumers add rules, not destinations); the rule's target is the
   * queue, and what EventBridge cannot deliver after its retries goes to the DLQ. The queue
   * policies must exist before the target is created.
   */
  private addEventTarget(rule: CloudwatchEventRule): CloudwatchEventTarget {
    return new CloudwatchEventTarget(this, 'event-target', {
      rule: rule.name,
      targetId: 'processing-queue',
      arn: this.queues.queue.arn,
      // EventBridge's own defaults, stated: retry for 24 hours, at most 185 times.
      retryPolicy: { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 },
      deadLetterConfig: { arn: this.queues.deadLetterQueue.arn },
      dependsOn: [this.queues.queuePolicy, this.queues.deadLetterQueuePolicy],
    });
  }

  private addPusher(failures: FailureQueue): {
    pusher: BundledFunction;
    invokeConfig: LambdaFunctionEventInvokeConfig;
    notification: S3BucketNotification;
  } {
    const cfg = this.cfg;
    const { queue, deadLetterQueue } = this.queues;
    const pusher = new BundledFunction(this, 'pusher', {
      handler: 'pusher',
      functionName: this.names.pusher,
      accountId: cfg.accountId,
      logRetentionDays: cfg.logRetentionDays,
      logLevel: cfg.logLevel,
      runtime: cfg.runtime,
      timeoutSeconds: cfg.pusher.timeoutSeconds,
      memoryMb: cfg.pusher.memoryMb,
      reservedConcurrency: cfg.pusher.reservedConcurrency,
      environment: pusherEnvironment(cfg, { queueUrl: queue.url, deadLetterQueueUrl: deadLetterQueue.url }),
      statements: [
        ...this.headObjectStatements(),
        // The DLQ receives unreadable records.
        { sid: 'Enqueue', actions: ['sqs:SendMessage'], resources: [queue.arn, deadLetterQueue.arn] },
        // Lambda sends the on-failure destination record with the function's role.
        { sid: 'ParkFailedEvents', actions: ['sqs:SendMessage'], resources: [failures.queue.arn] },
      ],
    });
    const invokeConfig = new LambdaFunctionEventInvokeConfig(this, 'pusher-async', {
      functionName: pusher.function.functionName,
      maximumRetryAttempts: cfg.pusher.maxRetryAttempts,
      maximumEventAgeInSeconds: cfg.pusher.maxEventAgeSeconds,
      destinationConfig: { onFailure: { destination: failures.queue.arn } },
    });
    const permission = new LambdaPermission(this, 'pusher-s3-permission', {
      statementId: 'AllowS3Invoke',
      action: 'lambda:InvokeFunction',
      functionName: pusher.function.functionName,
      principal: 's3.amazonaws.com',
      sourceArn: this.uploads.bucket.arn,
      sourceAccount: cfg.accountId,
    });
    const notification = new S3BucketNotification(this, 'notification', {
      bucket: this.uploads.bucket.id,
      lambdaFunction: [{ id: 'to-pusher', lambdaFunctionArn: pusher.function.arn, ...this.notificationFilter() }],
      // S3 test-invokes the function when the notification is written: the permission must exist first.
      dependsOn: [permission],
    });
    return { pusher, invokeConfig, notification };
  }

  private addAlerts(): AlertTopic {
    return new AlertTopic(this, 'alerts', {
      topicName: this.names.topic,
      accountId: this.cfg.accountId,
      partition: partitionOf(this.cfg.region),
      region: this.cfg.region,
      emails: this.cfg.alertEmails,
      requireSubscriber: this.cfg.deploy,
    });
  }
}
