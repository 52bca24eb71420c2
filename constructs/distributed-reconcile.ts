import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { S3BucketInventory } from '@cdktf/provider-aws/lib/s3-bucket-inventory';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { Construct } from 'constructs';
import { INVENTORY_FIELDS, RECONCILE_LAYOUT, reconcileEnvironment, resourceNames } from '../config/derive';
import type { PipelineConfig } from '../config/types';
import { BundledFunction } from './bundled-function';
import { partitionOf, policyDocument, XRAY_STATEMENT, type PolicyStatement } from './policy-document';
import { reconcileDefinition } from './reconcile-definition';
import { SecureBucket } from './secure-bucket';

export interface DistributedReconcileProps {
  config: PipelineConfig;
  uploadsBucket: { name: string; arn: string };
  table: { name: string; arn: string };
  queue: { url: string; arn: string };
  topicArn: string;
}

/** An execution may run this long (a billion objects take about an hour: docs/operations.md). */
export const RECONCILE_EXECUTION_TIMEOUT_SECONDS = 6 * 3600;

/**
 * CloudWatch Logs' vended-log delivery actions a state machine's role needs to log; they have no
 * resource-level permissions (Step Functions guide, "IAM policies for logging to CloudWatch Logs").
 */
export const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
];

/**
 * Reconcile and backfill on AWS's distributed engines: an S3 Inventory of the uploads bucket
 * delivered to a hardened inventory bucket, the reconcile function (one map batch per call), and a
 * STANDARD state machine whose Distributed Maps read the inventory (or list the bucket) and a
 * DynamoDB export, with least-privilege roles, logs, X-Ray, and alarms on failed executions.
 */
export class DistributedReconcile extends Construct {
  public readonly inventoryBucket: SecureBucket;
  public readonly inventory?: S3BucketInventory;
  public readonly function: BundledFunction;
  public readonly stateMachine: SfnStateMachine;
  public readonly role: IamRole;
  public readonly logGroup: CloudwatchLogGroup;
  public readonly alarms: CloudwatchMetricAlarm[];

  public constructor(scope: Construct, id: string, props: DistributedReconcileProps) {
    super(scope, id);
    const cfg = props.config;
    const names = resourceNames(cfg);
    const partition = partitionOf(cfg.region);
    const r = cfg.reconcile;

    this.inventoryBucket = new SecureBucket(this, 'inventory-bucket', {
      bucketName: names.inventoryBucket,
      forceDestroy: cfg.bucket.forceDestroy,
      expireAfterDays: r.retentionDays,
      noncurrentVersionExpirationDays: 1,
      // S3 Inventory writes as the S3 service, for this bucket and account only (S3 guide, "Destination bucket policy").
      statements: [
        {
          sid: 'S3InventoryDelivery',
          principal: { Service: 's3.amazonaws.com' },
          actions: ['s3:PutObject'],
          resources: [`arn:${partition}:s3:::${names.inventoryBucket}/${RECONCILE_LAYOUT.inventory}/*`],
          conditions: {
            ArnLike: { 'aws:SourceArn': props.uploadsBucket.arn },
            StringEquals: { 'aws:SourceAccount': cfg.accountId, 's3:x-amz-acl': 'bucket-owner-full-control' },
          },
        },
      ],
    });
    const inventoryArn = this.inventoryBucket.bucket.arn;

    if (r.inventory) {
      this.inventory = new S3BucketInventory(this, 'inventory', {
        bucket: props.uploadsBucket.name,
        name: RECONCILE_LAYOUT.inventoryId,
        // All versions: each current version's id (the bucket is versioned), as `npm run reconcile` lists them.
        includedObjectVersions: 'All',
        optionalFields: [...INVENTORY_FIELDS],
        schedule: { frequency: r.inventory },
        filter: cfg.filters.prefix ? { prefix: cfg.filters.prefix } : undefined,
        destination: {
          bucket: {
            bucketArn: inventoryArn,
            // The only format a Distributed Map reads an inventory in.
            format: 'CSV',
            prefix: RECONCILE_LAYOUT.inventory,
            accountId: cfg.accountId,
            // No `encryption { sse_s3 {} }`: the inventory bucket's default encryption (SSE-S3) already applies
            // to what S3 writes there, and the empty block is the one thing cdktf and CDK Terrain print differently.
          },
        },
        dependsOn: [this.inventoryBucket.policy],
      });
    }

    this.function = new BundledFunction(this, 'function', {
      handler: 'reconcile',
      functionName: names.reconcileFunction,
      accountId: cfg.accountId,
      logRetentionDays: cfg.logRetentionDays,
      logLevel: cfg.logLevel,
      runtime: cfg.runtime,
      timeoutSeconds: r.timeoutSeconds,
      memoryMb: r.memoryMb,
      // The map never has more batches in flight than its MaxConcurrency: reserving as many keeps a run
      // from starving the ingest functions, and the run from being starved.
      reservedConcurrency: r.maxConcurrency,
      environment: reconcileEnvironment(cfg, { tableName: props.table.name, queueUrl: props.queue.url, bucket: props.uploadsBucket.name }),
      statements: this.functionStatements(props),
    });

    this.logGroup = new CloudwatchLogGroup(this, 'log-group', {
      // Step Functions' vended logs go under /aws/vendedlogs/, whose resource policy size limit does not bite.
      name: `/aws/vendedlogs/states/${names.reconcileStateMachine}`,
      retentionInDays: cfg.logRetentionDays,
    });

    const stateMachineArn = `arn:${partition}:states:${cfg.region}:${cfg.accountId}:stateMachine:${names.reconcileStateMachine}`;
    this.role = new IamRole(this, 'role', {
      name: `${names.reconcileStateMachine}-states-role`,
      assumeRolePolicy: policyDocument([
        {
          sid: 'StatesAssume',
          principal: { Service: 'states.amazonaws.com' },
          actions: ['sts:AssumeRole'],
          conditions: { StringEquals: { 'aws:SourceAccount': cfg.accountId }, ArnLike: { 'aws:SourceArn': stateMachineArn } },
        },
      ]),
    });
    const policy = new IamRolePolicy(this, 'policy', {
      name: `${names.reconcileStateMachine}-states-policy`,
      role: this.role.id,
      policy: policyDocument(this.stateMachineStatements(props, inventoryArn, stateMachineArn)),
    });

    this.stateMachine = new SfnStateMachine(this, 'state-machine', {
      name: names.reconcileStateMachine,
      type: 'STANDARD',
      roleArn: this.role.arn,
      definition: JSON.stringify(
        reconcileDefinition({
          functionArn: this.function.function.arn,
          uploadsBucket: props.uploadsBucket.name,
          inventoryBucket: this.inventoryBucket.bucket.bucket,
          itemsPerBatch: r.itemsPerBatch,
          maxConcurrency: r.maxConcurrency,
          toleratedFailurePercentage: r.toleratedFailurePercentage,
          timeoutSeconds: RECONCILE_EXECUTION_TIMEOUT_SECONDS,
        }),
      ),
      // Errors only, without execution data: the items are object keys, which logs need not hold.
      loggingConfiguration: { logDestination: `${this.logGroup.arn}:*`, includeExecutionData: false, level: 'ERROR' },
      tracingConfiguration: { enabled: true },
      dependsOn: [policy],
    });

    const alarm = (id: string, description: string, namespace: string, metricName: string, dimensions: Record<string, string>) =>
      new CloudwatchMetricAlarm(this, `alarm-${id}`, {
        alarmName: `${cfg.namePrefix}-${id}`,
        alarmDescription: description,
        namespace,
        metricName,
        dimensions,
        statistic: 'Sum',
        period: cfg.alarms.periodSeconds,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: 1,
        treatMissingData: 'notBreaching',
        alarmActions: [props.topicArn],
        okActions: [props.topicArn],
      });
    this.alarms = [
      ...(['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'] as const).map((metric) => {
        const what = metric.replace('Executions', '').toLowerCase();
        return alarm(
          `reconcile-${what}`,
          `A distributed reconcile execution ${what}: its counts are incomplete (npm run reconcile -- --env ${cfg.environment} --distributed says why).`,
          'AWS/States',
          metric,
          { StateMachineArn: this.stateMachine.arn },
        );
      }),
      // A failed batch is retried, then counted against the map's tolerance: each one is a person's question.
      alarm(
        'reconcile-function-errors',
        'The reconcile function failed a batch (retried by the map; past the tolerance the execution fails).',
        'AWS/Lambda',
        'Errors',
        { FunctionName: this.function.function.functionName },
      ),
    ];
  }

  /** BatchGetItem on the table, HeadObject under the notification's prefix (404 for a missing one), SendMessage for backfills. */
  private functionStatements(props: DistributedReconcileProps): PolicyStatement[] {
    const prefix = props.config.filters.prefix;
    return [
      { sid: 'LookUpItems', actions: ['dynamodb:BatchGetItem'], resources: [props.table.arn] },
      { sid: 'HeadObjects', actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [`${props.uploadsBucket.arn}/${prefix}*`] },
      {
        sid: 'MissingIsNotFound',
        actions: ['s3:ListBucket'],
        resources: [props.uploadsBucket.arn],
        ...(prefix ? { conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } } : {}),
      },
      { sid: 'SendBackfills', actions: ['sqs:SendMessage'], resources: [props.queue.arn] },
    ];
  }

  /**
   * What a Distributed Map needs (Step Functions guide, "IAM policies for Distributed Map"): start and
   * watch its own child executions, invoke the function, read the inventory/listing/export, write results.
   */
  private stateMachineStatements(props: DistributedReconcileProps, inventoryArn: string, stateMachineArn: string): PolicyStatement[] {
    const cfg = props.config;
    const executions = stateMachineArn.replace(':stateMachine:', ':execution:');
    const prefix = cfg.filters.prefix;
    return [
      { sid: 'RunChildExecutions', actions: ['states:StartExecution'], resources: [stateMachineArn] },
      { sid: 'WatchChildExecutions', actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [`${executions}/*`] },
      {
        sid: 'InvokeReconcile',
        actions: ['lambda:InvokeFunction'],
        resources: [this.function.function.arn, `${this.function.function.arn}:*`],
      },
      {
        sid: 'ReadInventoryAndExports',
        actions: ['s3:GetObject'],
        resources: [`${inventoryArn}/${RECONCILE_LAYOUT.inventory}/*`, `${inventoryArn}/${RECONCILE_LAYOUT.exports}/*`],
      },
      {
        sid: 'ListExports',
        actions: ['s3:ListBucket'],
        resources: [inventoryArn],
        conditions: { StringLike: { 's3:prefix': [`${RECONCILE_LAYOUT.exports}/*`] } },
      },
      {
        sid: 'ListUploads',
        actions: ['s3:ListBucket'],
        resources: [props.uploadsBucket.arn],
        ...(prefix ? { conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } } : {}),
      },
      {
        sid: 'WriteMapResults',
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        resources: [`${inventoryArn}/${RECONCILE_LAYOUT.results}/*`],
      },
      { sid: 'VendedLogDelivery', actions: LOG_DELIVERY_ACTIONS, resources: ['*'] },
      { ...XRAY_STATEMENT, actions: [...XRAY_STATEMENT.actions, 'xray:GetSamplingRules', 'xray:GetSamplingTargets'] },
    ];
  }
}
