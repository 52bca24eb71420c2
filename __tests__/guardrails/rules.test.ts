import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnnotationMetadataEntryType, Aspects, TerraformStack, Testing, type TerraformResource } from 'cdktf';
import type { IConstruct } from 'constructs';
import type { PipelineConfig } from '../../config/types';
import { Guardrails, RULES, evaluateStack, suppressRule } from '../../guardrails';
import { runtimeRuleClock } from '../../guardrails/rules/operations';
import { PipelineStack } from '../../stacks/pipeline-stack';
import { makeConfig } from '../helpers/factories';

type Pipeline = PipelineStack['pipeline'];

interface Case {
  rule: string;
  config?: Partial<PipelineConfig>;
  /** Breaks exactly one thing; returns the construct a suppression would go on. */
  breakIt: (p: Pipeline, stack: PipelineStack) => IConstruct;
}

const override = (r: TerraformResource, path: string, value: unknown): TerraformResource => {
  r.addOverride(path, value);
  return r;
};

const withoutDependencies = (r: TerraformResource): TerraformResource => {
  r.dependsOn = [];
  return r;
};

// The runtime rules judge dates: fixed at 2026-06-01, when the default nodejs22.x (deprecated 2027-04-30) is
// more than six months away; the OPS009 case moves the clock to 2026-12-01, within them.
const SUITE_DAY = () => new Date('2026-06-01T00:00:00Z');
runtimeRuleClock.now = SUITE_DAY;
afterEach(() => (runtimeRuleClock.now = SUITE_DAY));

const pusher = { mode: 'pusher' as const };
const CASES: Case[] = [
  { rule: 'REL001', breakIt: (p) => override(p.queues.queue, 'visibility_timeout_seconds', 60) },
  {
    rule: 'REL002',
    breakIt: (p) =>
      override(p.queues.queue, 'redrive_policy', JSON.stringify({ deadLetterTargetArn: p.queues.deadLetterQueue.arn, maxReceiveCount: 3 })),
  },
  { rule: 'REL003', breakIt: (p) => override(p.queues.deadLetterQueue, 'message_retention_seconds', 345600) },
  {
    rule: 'REL004',
    breakIt: (p) => {
      p.queues.queue.resetRedrivePolicy();
      return p.queues.queue;
    },
  },
  { rule: 'REL005', breakIt: (p) => override(p.eventSourceMapping, 'batch_size', 50) },
  {
    rule: 'REL006',
    breakIt: (p) => {
      p.eventSourceMapping.resetFunctionResponseTypes();
      return p.eventSourceMapping;
    },
  },
  { rule: 'REL007', breakIt: (p) => withoutDependencies(p.notification) },
  { rule: 'REL008', config: pusher, breakIt: (p) => withoutDependencies(p.notification) },
  {
    rule: 'REL009',
    config: pusher,
    breakIt: (p) => {
      p.pusherInvokeConfig!.resetDestinationConfig();
      return p.pusher!.function;
    },
  },
  {
    rule: 'REL010',
    breakIt: (p) => {
      p.processor.logGroup.resetRetentionInDays();
      return p.processor.logGroup;
    },
  },
  {
    rule: 'REL011',
    breakIt: (p) => {
      p.alarms.alarms['dlq-not-empty']!.resetAlarmActions();
      return p.alarms.alarms['dlq-not-empty']!;
    },
  },
  { rule: 'SEC001', breakIt: (p) => override(p.uploads.publicAccess, 'restrict_public_buckets', false).node.scope! },
  { rule: 'SEC004', breakIt: (p) => override(p.queues.deadLetterQueue, 'sqs_managed_sse_enabled', false) },
  {
    rule: 'SEC005',
    breakIt: (p) => {
      override(p.queues.queue, 'sqs_managed_sse_enabled', false);
      return override(p.queues.queue, 'kms_master_key_id', 'alias/aws/sqs');
    },
  },
  {
    rule: 'SEC006',
    breakIt: (p) =>
      override(
        p.queues.queuePolicy,
        'policy',
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'OpenToS3',
              Effect: 'Allow',
              Principal: { Service: 's3.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: p.queues.queue.arn,
            },
          ],
        }),
      ),
  },
  {
    rule: 'SEC007',
    breakIt: (p) =>
      override(
        p.processor.policy,
        'policy',
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Sid: 'Everything', Effect: 'Allow', Action: 's3:*', Resource: p.uploads.bucket.arn }],
        }),
      ),
  },
  { rule: 'SEC008', breakIt: (p) => override(p.processor.function, 'tracing_config.mode', 'PassThrough') },
  {
    rule: 'SEC013',
    config: { reconcile: { distributed: true } } as Partial<PipelineConfig>,
    breakIt: (p) => override(p.reconcile!.stateMachine, 'tracing_configuration.enabled', false),
  },
  {
    rule: 'OPS010',
    config: { reconcile: { distributed: true } } as Partial<PipelineConfig>,
    breakIt: (p) => override(p.reconcile!.stateMachine, 'logging_configuration.level', 'OFF'),
  },
  { rule: 'SEC009', breakIt: (p) => override(p.table.table, 'point_in_time_recovery.enabled', false) },
  {
    rule: 'SEC010',
    config: { state: { bucket: 'tf-state-test', region: 'eu-west-1', keyPrefix: 'x' } },
    breakIt: (_p, stack) => {
      stack.addOverride('terraform.backend.s3.encrypt', false);
      return stack;
    },
  },
  { rule: 'REL012', config: { mode: 'eventbridge' }, breakIt: (p) => (p.eventTarget!.resetDeadLetterConfig(), p.eventTarget!) },
  { rule: 'REL013', config: { mode: 'eventbridge' }, breakIt: (p) => (override(p.notification, 'eventbridge', false), p.eventRule!) },
  {
    rule: 'SEC012',
    config: { mode: 'eventbridge' },
    breakIt: (p) => {
      const tlsOnly = {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 'sqs:*',
            Resource: p.queues.queue.arn,
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      };
      override(p.queues.queuePolicy, 'policy', JSON.stringify(tlsOnly));
      return p.eventTarget!;
    },
  },
  { rule: 'OPS001', breakIt: (p) => (override(p.alarms.alarms['queue-depth']!, 'dimensions.QueueName', 'another-queue'), p.queues.queue) },
  { rule: 'OPS002', breakIt: (p) => (override(p.alarms.alarms['processor-errors']!, 'metric_name', 'Invocations'), p.processor.function) },
  {
    rule: 'OPS003',
    breakIt: (p) => {
      const adminOnly = {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AccountAdministers',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::123456789012:root' },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      };
      return override(p.alerts.key, 'policy', JSON.stringify(adminOnly));
    },
  },
  { rule: 'OPS004', breakIt: (p) => override(p.alerts.topic, 'tags', { 'alert-subscribers-required': 'true' }) },
  {
    rule: 'OPS005',
    breakIt: (p) => (
      (p.processor.function.dependsOn = [`aws_iam_role_policy.${p.processor.policy.friendlyUniqueId}`]), p.processor.function
    ),
  },
  { rule: 'OPS006', breakIt: (p) => (p.processor.function.resetReservedConcurrentExecutions(), p.processor.function) },
  { rule: 'OPS007', breakIt: (p) => override(p.processor.function, 'logging_config.application_log_level', 'WARN') },
  { rule: 'OPS008', breakIt: (p) => override(p.processor.function, 'runtime', 'nodejs20.x') },
  { rule: 'OPS009', breakIt: (p) => ((runtimeRuleClock.now = () => new Date('2026-12-01T00:00:00Z')), p.processor.function) },
  { rule: 'SEC011', breakIt: (p) => override(p.processor.function, 'environment.variables.PARTNER_API_TOKEN', 'tok_live_9f8e7d6c5b4a') },
];

/** Bucket rules need a bucket missing a whole resource: a minimal stack of just the bucket's parts. */
function bucketStack(omit: 'encryption' | 'policy'): { stack: TerraformStack; bucket: S3Bucket } {
  const stack = new TerraformStack(Testing.app(), 'bucket-only');
  Aspects.of(stack).add(new Guardrails());
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  const bucket = new S3Bucket(stack, 'bucket', { bucket: 'b' });
  new S3BucketPublicAccessBlock(stack, 'pab', {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  if (omit !== 'encryption')
    new S3BucketServerSideEncryptionConfigurationA(stack, 'sse', {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
  const policy =
    omit === 'policy'
      ? {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'ReadOnly',
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::123456789012:root' },
              Action: 's3:GetObject',
              Resource: `${bucket.arn}/*`,
            },
          ],
        }
      : {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'Tls',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: `${bucket.arn}/*`,
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        };
  new S3BucketPolicy(stack, 'policy', { bucket: bucket.id, policy: JSON.stringify(policy) });
  return { stack, bucket };
}

const ids = (r: ReturnType<typeof evaluateStack>) => [...r.errors, ...r.warnings].map((v) => v.ruleId);

/**
 * The guardrail annotations (`[RULE] …`) a synth finds on the stack, by level. An error annotation is what makes
 * `cdktf synth` fail (cdktf's synthesizer throws on one); that step is proved once with a full synth,
 * which also archives every Lambda bundle (~0.5 s a stack), so the per-rule cases stop at the annotations.
 */
function annotations(stack: TerraformStack): { errors: string[]; warnings: string[] } {
  Testing.synth(stack); // runs the aspects, as synth does
  const entries = stack.node.findAll().flatMap((c) => c.node.metadata);
  const isGuardrail = (text: string) => RULES.some((r) => text.startsWith(`[${r.id}]`));
  const of = (type: string) =>
    entries
      .filter((m) => m.type === type)
      .map((m) => String(m.data))
      .filter(isGuardrail);
  return { errors: of(AnnotationMetadataEntryType.ERROR), warnings: of(AnnotationMetadataEntryType.WARN) };
}

/** `cdktf synth` of the stack (Testing.fullSynth), its temporary output removed even when synth throws. */
function fullSynth(stack: TerraformStack): void {
  const parent = mkdtempSync(join(tmpdir(), 'guardrails-synth-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = parent; // fullSynth makes its folder under os.tmpdir() and does not say where when it throws
  try {
    Testing.fullSynth(stack);
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(parent, { recursive: true, force: true });
  }
}
const build = (config: Partial<PipelineConfig> = {}) => new PipelineStack(Testing.app(), makeConfig(config as Record<string, unknown>));

describe('guardrails', () => {
  it('covers every rule in the catalogue with a test case', () => {
    expect([...CASES.map((c) => c.rule), 'SEC002', 'SEC003'].sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  it.each([['direct'], ['pusher'], ['eventbridge']])('passes the project’s own %s-mode stack with no findings', (mode) => {
    const report = evaluateStack(build({ mode: mode as 'direct' | 'pusher' | 'eventbridge' }));
    expect([...report.errors, ...report.warnings, ...report.suppressed]).toEqual([]);
  });

  describe.each(CASES.map((c) => [c.rule, c]))('%s', (ruleId, c) => {
    const rule = RULES.find((r) => r.id === ruleId)!;

    it('flags the broken stack with this rule only', () => {
      const stack = build(c.config);
      c.breakIt(stack.pipeline, stack);
      const report = evaluateStack(stack);
      expect(ids(report)).toEqual([ruleId]);
      const v = [...report.errors, ...report.warnings][0]!;
      expect(v).toMatchObject({
        severity: rule.severity,
        fix: rule.fix,
        link: expect.stringMatching(/^https:\/\//),
        address: expect.stringMatching(/^(aws_|terraform\.)/),
      });
      const annotated = annotations(stack);
      expect(annotated[rule.severity === 'error' ? 'errors' : 'warnings']).toEqual([expect.stringContaining(`[${ruleId}]`)]);
      expect(annotated[rule.severity === 'error' ? 'warnings' : 'errors']).toEqual([]);
    });

    it('passes once suppressed with a reason, and reports the suppression', () => {
      const stack = build(c.config);
      const target = c.breakIt(stack.pipeline, stack);
      suppressRule(target, ruleId, 'Accepted for this test: the risk is understood');
      const report = evaluateStack(stack);
      expect(ids(report)).toEqual([]);
      expect(report.suppressed).toEqual([expect.objectContaining({ ruleId, reason: 'Accepted for this test: the risk is understood' })]);
      expect(annotations(stack)).toEqual({ errors: [], warnings: [] });
    });
  });

  it('an error finding fails `cdktf synth`; a warning, or an error suppressed with a reason, does not', () => {
    const caseOf = (severity: 'error' | 'warning') =>
      CASES.find((c) => RULES.find((r) => r.id === c.rule)!.severity === severity && !c.config)!;
    const broken = (c: Case) => {
      const stack = build(c.config);
      return { stack, target: c.breakIt(stack.pipeline, stack) };
    };
    const error = caseOf('error');
    expect(() => fullSynth(broken(error).stack)).toThrow(`[${error.rule}]`);
    expect(() => fullSynth(broken(caseOf('warning')).stack)).not.toThrow();
    const suppressed = broken(error);
    suppressRule(suppressed.target, error.rule, 'Accepted for this test: the risk is understood');
    expect(() => fullSynth(suppressed.stack)).not.toThrow();
  });

  it.each([
    ['SEC002', 'encryption'],
    ['SEC003', 'policy'],
  ] as const)('%s: flags a bucket without its %s, passes the complete one, honours a suppression', (ruleId, omit) => {
    const broken = bucketStack(omit);
    expect(ids(evaluateStack(broken.stack))).toEqual([ruleId]);
    expect(() => fullSynth(broken.stack)).toThrow(`[${ruleId}]`);
    const suppressed = bucketStack(omit);
    suppressRule(suppressed.bucket, ruleId, 'Legacy partner bucket, tracked in OPS-1');
    expect(evaluateStack(suppressed.stack).suppressed.map((s) => s.ruleId)).toEqual([ruleId]);
    const other = bucketStack(omit === 'encryption' ? 'policy' : 'encryption');
    expect(ids(evaluateStack(other.stack))).not.toContain(ruleId);
  });

  it('refuses a suppression without a real reason, or of an unknown rule', () => {
    const stack = build();
    expect(() => suppressRule(stack.pipeline.queues.queue, 'REL001', ' ')).toThrow('needs a written reason');
    expect(() => suppressRule(stack.pipeline.queues.queue, 'REL999', 'because I said so')).toThrow('Unknown guardrail rule "REL999"');
  });

  it('allows * resources only for X-Ray actions', () => {
    const stack = build();
    override(
      stack.pipeline.processor.policy,
      'policy',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Logs', Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: '*' },
          { Sid: 'XRay', Effect: 'Allow', Action: 'xray:PutTraceSegments', Resource: '*' },
        ],
      }),
    );
    expect(evaluateStack(stack).errors.map((e) => e.message)).toEqual(['statement Logs allows logs:PutLogEvents on *']);
  });
});
