import { asList, statementsOf, type ModelResource, type StackModel } from '../stack-model';
import type { Finding, Rule } from '../types';

import { LOG_DELIVERY_ACTIONS } from '../../constructs/distributed-reconcile';

/**
 * Actions without resource-level permissions, so `*` is the only possible resource: X-Ray's, and
 * the CloudWatch Logs delivery actions a state machine needs to log.
 */
export const WILDCARD_RESOURCE_ALLOWED = ['xray:', ...LOG_DELIVERY_ACTIONS];

const SECRET_NAME = /(secret|passw(or)?d|token|api[_-]?key|private[_-]?key|credential)/i;
const SECRET_VALUE = [/AKIA[0-9A-Z]{16}/, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, /^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)[A-Za-z0-9/+]{40}$/];

/** Resources of `type` that refer to `bucket` (by id, bucket or arn). */
const forBucket = (m: StackModel, type: string, bucket: ModelResource) =>
  m.resources(type).filter((r) => m.refersTo(r.body.bucket, bucket));

const deniesInsecureTransport = (policy: unknown): boolean =>
  statementsOf(policy).some((s) => s.Effect === 'Deny' && JSON.stringify(s.Condition ?? {}).includes('"aws:SecureTransport":"false"'));

export const securityRules: Rule[] = [
  {
    id: 'SEC001',
    severity: 'error',
    title: 'Bucket without a full public access block',
    why: 'A single public ACL or policy statement would expose uploaded files.',
    fix: 'Add an aws_s3_bucket_public_access_block with all four settings true.',
    link: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html',
    checkov: 'CKV2_AWS_6, CKV_AWS_53–56',
    check: (m) =>
      m.resources('aws_s3_bucket').flatMap((b): Finding[] => {
        const full = forBucket(m, 'aws_s3_bucket_public_access_block', b).some((p) =>
          ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'].every((k) => p.body[k] === true),
        );
        return full ? [] : [{ address: b.address, message: 'has no public access block with all four settings on' }];
      }),
  },
  {
    id: 'SEC002',
    severity: 'error',
    title: 'Bucket without a server-side encryption configuration',
    why: 'Encryption at rest should be stated, not left to account defaults that can change.',
    fix: 'Add an aws_s3_bucket_server_side_encryption_configuration (AES256 or aws:kms).',
    link: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/serv-side-encryption.html',
    checkov: 'CKV_AWS_19',
    check: (m) =>
      m
        .resources('aws_s3_bucket')
        .filter((b) => forBucket(m, 'aws_s3_bucket_server_side_encryption_configuration', b).length === 0)
        .map((b) => ({ address: b.address, message: 'has no server-side encryption configuration' })),
  },
  {
    id: 'SEC003',
    severity: 'error',
    title: 'Bucket without a TLS-only policy',
    why: 'Without a Deny on aws:SecureTransport = false, requests over plain HTTP are accepted.',
    fix: 'Add a bucket policy statement denying s3:* when aws:SecureTransport is false.',
    link: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html',
    check: (m) =>
      m
        .resources('aws_s3_bucket')
        .filter((b) => !forBucket(m, 'aws_s3_bucket_policy', b).some((p) => deniesInsecureTransport(p.body.policy)))
        .map((b) => ({ address: b.address, message: 'has no policy denying non-TLS requests' })),
  },
  {
    id: 'SEC004',
    severity: 'error',
    title: 'Queue or topic without encryption',
    why: 'Messages carry object keys and metadata; they should be encrypted at rest.',
    fix: 'Set sqs_managed_sse_enabled = true (or a KMS key) on queues and kms_master_key_id on topics.',
    link: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html',
    checkov: 'CKV_AWS_27 (SQS), CKV_AWS_26 (SNS)',
    check: (m) => [
      ...m
        .resources('aws_sqs_queue')
        .filter((q) => q.body.sqs_managed_sse_enabled !== true && !q.body.kms_master_key_id)
        .map((q) => ({ address: q.address, message: 'is not encrypted' })),
      ...m
        .resources('aws_sns_topic')
        .filter((t) => !t.body.kms_master_key_id)
        .map((t) => ({ address: t.address, message: 'is not encrypted' })),
    ],
  },
  {
    id: 'SEC005',
    severity: 'error',
    title: 'S3 notifies a queue encrypted with the aws/sqs managed key',
    why: 'S3 cannot use the AWS managed aws/sqs key (its policy cannot grant S3), so notifications are silently not delivered.',
    fix: 'Use SSE-SQS (sqs_managed_sse_enabled) or a customer managed key whose policy lets s3.amazonaws.com use it.',
    link: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html',
    check: (m) =>
      m.resources('aws_s3_bucket_notification').flatMap((n) =>
        ((n.body.queue as Array<Record<string, unknown>> | undefined) ?? []).flatMap((entry): Finding[] => {
          const q = m.deref(entry.queue_arn, 'aws_sqs_queue');
          const key = String(q?.body.kms_master_key_id ?? '');
          return q && key.includes('aws/sqs')
            ? [{ address: q.address, message: 'is an S3 notification target encrypted with alias/aws/sqs' }]
            : [];
        }),
      ),
  },
  {
    id: 'SEC006',
    severity: 'error',
    title: 'Queue policy lets a service send without aws:SourceArn and aws:SourceAccount',
    why: 'Without both conditions any bucket (or topic) in any account can use the service principal to write into the queue (confused deputy).',
    fix: 'Add ArnEquals/ArnLike aws:SourceArn and StringEquals aws:SourceAccount to each service-principal Allow statement.',
    link: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html',
    check: (m) =>
      m.resources('aws_sqs_queue_policy').flatMap((p) =>
        statementsOf(p.body.policy)
          .filter((s) => s.Effect === 'Allow' && typeof s.Principal === 'object' && s.Principal !== null && 'Service' in s.Principal)
          .filter((s) => {
            const conditions = JSON.stringify(s.Condition ?? {});
            return !conditions.includes('"aws:SourceArn"') || !conditions.includes('"aws:SourceAccount"');
          })
          .map((s) => ({ address: p.address, message: `statement ${s.Sid ?? '(no Sid)'} lacks aws:SourceArn or aws:SourceAccount` })),
      ),
  },
  {
    id: 'SEC007',
    severity: 'error',
    title: 'IAM statement with a * action or a * resource',
    why: 'Wildcards grant more than the code uses; least privilege names each action on exact ARNs.',
    fix: 'List the exact actions on the exact resource ARNs. Only services without resource-level permissions (X-Ray) may use Resource "*".',
    link: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege',
    checkov: 'CKV_AWS_63 (* actions), CKV_AWS_355 (* resources)',
    check: (m) =>
      [...m.resources('aws_iam_role_policy'), ...m.resources('aws_iam_policy')].flatMap((p) =>
        statementsOf(p.body.policy)
          .filter((s) => s.Effect === 'Allow')
          .flatMap((s): Finding[] => {
            const actions = asList(s.Action);
            const found: Finding[] = [];
            const wild = actions.filter((a) => a.includes('*'));
            if (wild.length) found.push({ address: p.address, message: `statement ${s.Sid ?? '(no Sid)'} allows ${wild.join(', ')}` });
            const allowed = actions.every((a) => WILDCARD_RESOURCE_ALLOWED.some((prefix) => a.startsWith(prefix)));
            if (asList(s.Resource).includes('*') && !allowed)
              found.push({ address: p.address, message: `statement ${s.Sid ?? '(no Sid)'} allows ${actions.join(', ')} on *` });
            return found;
          }),
      ),
  },
  {
    id: 'SEC008',
    severity: 'error',
    title: 'Lambda function without active tracing',
    why: 'Without X-Ray a slow or failing call inside the pipeline cannot be traced end to end.',
    fix: 'Set tracing_config { mode = "Active" } and allow xray:PutTraceSegments/PutTelemetryRecords.',
    link: 'https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html',
    checkov: 'CKV_AWS_50',
    check: (m) =>
      m
        .resources('aws_lambda_function')
        .filter((f) => (f.body.tracing_config as { mode?: string } | undefined)?.mode !== 'Active')
        .map((f) => ({ address: f.address, message: 'has no active tracing' })),
  },
  {
    id: 'SEC013',
    severity: 'error',
    title: 'Step Functions state machine without X-Ray tracing',
    why: 'A reconcile run fans out to thousands of child executions and invocations; without a trace a slow or failing batch cannot be found.',
    fix: 'Set tracing_configuration { enabled = true } and allow xray:PutTraceSegments/PutTelemetryRecords/GetSamplingRules/GetSamplingTargets.',
    link: 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-xray-tracing.html',
    checkov: 'CKV_AWS_284',
    check: (m) =>
      m
        .resources('aws_sfn_state_machine')
        .filter((s) => (s.body.tracing_configuration as { enabled?: boolean } | undefined)?.enabled !== true)
        .map((s) => ({ address: s.address, message: 'has no X-Ray tracing' })),
  },
  {
    id: 'SEC009',
    severity: 'error',
    title: 'DynamoDB table without point-in-time recovery',
    why: 'A bad deploy or a wrong write cannot be undone without PITR.',
    fix: 'Set point_in_time_recovery { enabled = true }.',
    link: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery.html',
    checkov: 'CKV_AWS_28',
    check: (m) =>
      m
        .resources('aws_dynamodb_table')
        .filter((t) => (t.body.point_in_time_recovery as { enabled?: boolean } | undefined)?.enabled !== true)
        .map((t) => ({ address: t.address, message: 'has no point-in-time recovery' })),
  },
  {
    id: 'SEC010',
    severity: 'error',
    title: 'S3 state backend without encryption or locking',
    why: 'State holds every attribute, secrets included; without locking two applies can corrupt it.',
    fix: 'Set encrypt = true and use_lockfile = true (Terraform ≥ 1.11) on the S3 backend.',
    link: 'https://developer.hashicorp.com/terraform/language/backend/s3',
    check: (m) => {
      const s3 = (m.json.terraform?.backend as { s3?: Record<string, unknown> } | undefined)?.s3;
      if (!s3) return [];
      const problems = [
        s3.encrypt !== true ? 'encrypt is not true' : '',
        s3.use_lockfile !== true && !s3.dynamodb_table ? 'no locking (use_lockfile)' : '',
      ].filter(Boolean);
      return problems.length ? [{ address: 'terraform.backend.s3', message: problems.join('; ') }] : [];
    },
  },
  {
    id: 'SEC011',
    severity: 'error',
    title: 'Secret-looking value in a function’s environment',
    why: 'Environment variables are readable by anyone who can read the function configuration, and end up in state and plans.',
    fix: 'Keep secrets in Secrets Manager or SSM Parameter Store and pass only their names or ARNs.',
    link: 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-encryption',
    checkov: 'CKV_AWS_45',
    check: (m) =>
      m.resources('aws_lambda_function').flatMap((f) => {
        const vars = ((f.body.environment as { variables?: Record<string, unknown> } | undefined)?.variables ?? {}) as Record<
          string,
          unknown
        >;
        return Object.entries(vars)
          .filter(([name, value]) => {
            if (typeof value !== 'string' || value.includes('${')) return false;
            return (SECRET_NAME.test(name) && value.length > 0) || SECRET_VALUE.some((re) => re.test(value));
          })
          .map(([name]) => ({ address: f.address, message: `environment variable ${name} looks like a secret` }));
      }),
  },
];
