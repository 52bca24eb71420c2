import type { PipelineConfig } from '../../config/types';
import type { TerraformJson } from './synthesized-stack';

/** An IAM policy document as AWS reads it. */
export interface PolicyDocument {
  Version?: string;
  Statement: Array<Record<string, unknown>>;
}

export interface FunctionPolicies {
  functionName: string;
  functionArn: string;
  roleArn: string;
  /** The role's inline policies, by name. */
  identityPolicies: Array<{ name: string; policy: PolicyDocument }>;
  /** Managed policy ARNs attached to the role: AWS's own cannot be read offline and are only named. */
  managedPolicyArns: string[];
}

/** Every policy of the stack, with each `${…}` reference replaced by the local resource's value. */
export interface StackPolicies {
  accountId: string;
  region: string;
  /** By function name. Plain objects throughout: the proxy thread receives this as it is. */
  functions: Record<string, FunctionPolicies>;
  /** Resource policies by the ARN they protect: queues, the bucket, the topic, the KMS key, functions. */
  resourcePolicies: Record<string, PolicyDocument>;
  /** ARNs the runtime needs for service-to-service checks. */
  arns: { bucket?: string; topic?: string; topicKey?: string; eventRule?: string; alarms: string[] };
}

type Resources = TerraformJson['resource'];

/** What `${type.id.attr}` stands for, computed the way AWS names these resources. */
function attribute(
  resources: Resources,
  type: string,
  id: string,
  attr: string,
  cfg: Pick<PipelineConfig, 'region' | 'accountId'>,
): string {
  const r = resources[type]?.[id];
  if (!r) throw new Error(`The synthesized stack refers to \${${type}.${id}.${attr}}, which it does not define`);
  const { region, accountId } = cfg;
  const name = String(r.name ?? r.bucket ?? r.function_name ?? id);
  const arns: Record<string, string> = {
    aws_sqs_queue: `arn:aws:sqs:${region}:${accountId}:${name}`,
    aws_s3_bucket: `arn:aws:s3:::${name}`,
    aws_dynamodb_table: `arn:aws:dynamodb:${region}:${accountId}:table/${name}`,
    aws_cloudwatch_log_group: `arn:aws:logs:${region}:${accountId}:log-group:${name}`,
    aws_sns_topic: `arn:aws:sns:${region}:${accountId}:${name}`,
    // A key has no name; the local one is named after its Terraform address.
    aws_kms_key: `arn:aws:kms:${region}:${accountId}:key/local-${id}`,
    aws_iam_role: `arn:aws:iam::${accountId}:role/${name}`,
    aws_lambda_function: `arn:aws:lambda:${region}:${accountId}:function:${name}`,
    aws_cloudwatch_event_rule: `arn:aws:events:${region}:${accountId}:rule/${name}`,
    aws_cloudwatch_metric_alarm: `arn:aws:cloudwatch:${region}:${accountId}:alarm:${String(r.alarm_name ?? id)}`,
  };
  if (attr === 'arn' && arns[type]) return arns[type];
  // Queue URLs only ever name a queue here: the queue's ARN identifies it just as well.
  if (attr === 'url' && type === 'aws_sqs_queue') return arns[type]!;
  if (attr === 'id' || attr === 'name' || attr === 'bucket' || attr === 'function_name') return name;
  throw new Error(`Cannot resolve \${${type}.${id}.${attr}} locally`);
}

/** Replaces every `${type.id.attr}` in a string; anything else in `${…}` is an error, never guessed. */
export function resolveReferences(text: string, resources: Resources, cfg: Pick<PipelineConfig, 'region' | 'accountId'>): string {
  return text.replace(/\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}/g, (_, type: string, id: string, attr: string) =>
    attribute(resources, type, id, attr, cfg),
  );
}

const entries = (resources: Resources, type: string): Array<[string, Record<string, unknown>]> => Object.entries(resources[type] ?? {});

/**
 * Reads the stack's policies: each function's role (inline policies, attachments), and the
 * resource policies of queues, the bucket, the topic, the KMS key and the functions (from
 * `aws_lambda_permission`, as Lambda builds its function policy from them).
 */
export function stackPolicies(json: TerraformJson, cfg: Pick<PipelineConfig, 'region' | 'accountId'>): StackPolicies {
  const resources = json.resource;
  const resolve = (v: unknown): string => resolveReferences(String(v), resources, cfg);
  const doc = (v: unknown): PolicyDocument => JSON.parse(resolve(v)) as PolicyDocument;

  const functions: Record<string, FunctionPolicies> = {};
  for (const [id, fn] of entries(resources, 'aws_lambda_function')) {
    const roleArn = resolve(fn.role);
    const roleName = roleArn.split('/').pop()!;
    const identityPolicies = entries(resources, 'aws_iam_role_policy')
      .filter(([, p]) => resolve(p.role) === roleName)
      .map(([pid, p]) => ({ name: String(p.name ?? pid), policy: doc(p.policy) }));
    const managedPolicyArns = entries(resources, 'aws_iam_role_policy_attachment')
      .filter(([, a]) => resolve(a.role) === roleName)
      .map(([, a]) => resolve(a.policy_arn));
    const functionName = String(fn.function_name);
    functions[functionName] = {
      functionName,
      functionArn: attribute(resources, 'aws_lambda_function', id, 'arn', cfg),
      roleArn,
      identityPolicies,
      managedPolicyArns,
    };
  }

  const resourcePolicies: Record<string, PolicyDocument> = {};
  const add = (arn: string, policy: PolicyDocument) => {
    const existing = resourcePolicies[arn];
    resourcePolicies[arn] = existing ? { ...existing, Statement: [...existing.Statement, ...policy.Statement] } : policy;
  };
  for (const [, p] of entries(resources, 'aws_sqs_queue_policy')) add(resolve(p.queue_url), doc(p.policy));
  for (const [, p] of entries(resources, 'aws_s3_bucket_policy')) add(`arn:aws:s3:::${resolve(p.bucket)}`, doc(p.policy));
  for (const [, p] of entries(resources, 'aws_sns_topic_policy')) add(resolve(p.arn), doc(p.policy));
  for (const [id, k] of entries(resources, 'aws_kms_key'))
    if (k.policy) add(attribute(resources, 'aws_kms_key', id, 'arn', cfg), doc(k.policy));
  for (const [id, perm] of entries(resources, 'aws_lambda_permission')) {
    const name = resolve(perm.function_name);
    const arn = name.startsWith('arn:') ? name : `arn:aws:lambda:${cfg.region}:${cfg.accountId}:function:${name}`;
    const condition: Record<string, Record<string, string>> = {};
    if (perm.source_arn) condition.ArnLike = { 'aws:SourceArn': resolve(perm.source_arn) };
    if (perm.source_account) condition.StringEquals = { 'aws:SourceAccount': resolve(perm.source_account) };
    add(arn, {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: String(perm.statement_id ?? id),
          Effect: 'Allow',
          Principal: { Service: resolve(perm.principal) },
          Action: resolve(perm.action),
          Resource: arn,
          ...(Object.keys(condition).length ? { Condition: condition } : {}),
        },
      ],
    });
  }

  const first = (type: string) => entries(resources, type)[0]?.[0];
  const arnOf = (type: string) => (first(type) ? attribute(resources, type, first(type)!, 'arn', cfg) : undefined);
  const topic = entries(resources, 'aws_sns_topic')[0]?.[1];
  return {
    accountId: cfg.accountId,
    region: cfg.region,
    functions,
    resourcePolicies,
    arns: {
      bucket: arnOf('aws_s3_bucket'),
      topic: arnOf('aws_sns_topic'),
      topicKey: topic?.kms_master_key_id ? resolve(topic.kms_master_key_id) : undefined,
      eventRule: arnOf('aws_cloudwatch_event_rule'),
      alarms: entries(resources, 'aws_cloudwatch_metric_alarm').map(([id]) =>
        attribute(resources, 'aws_cloudwatch_metric_alarm', id, 'arn', cfg),
      ),
    },
  };
}
