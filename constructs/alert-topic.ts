import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { Construct } from 'constructs';
import { denyInsecureTransport, policyDocument } from './policy-document';

/** Tag an alert topic carries when its environment is deployed by CI: a guardrail then requires a subscriber. */
export const SUBSCRIBER_REQUIRED_TAG = 'alert-subscribers-required';

export interface AlertTopicProps {
  topicName: string;
  accountId: string;
  partition: string;
  region: string;
  /** One e-mail subscription each; AWS mails a confirmation link to every address. */
  emails: string[];
  /** CI deploys the environment: the topic is tagged so the guardrails require a subscriber. @default false */
  requireSubscriber?: boolean;
}

/**
 * An SNS topic for alarms, encrypted with a customer managed KMS key.
 *
 * Why not the `aws/sns` key: CloudWatch must be allowed to use the key, and the managed
 * key's policy cannot be changed, so alarms would fail to publish.
 */
export class AlertTopic extends Construct {
  public readonly topic: SnsTopic;
  public readonly key: KmsKey;

  public constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    const root = `arn:${props.partition}:iam::${props.accountId}:root`;
    this.key = new KmsKey(this, 'key', {
      description: `Encrypts the ${props.topicName} alarm topic`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      // In a key policy, Resource "*" means "this key".
      policy: policyDocument([
        { sid: 'AccountAdministers', principal: { AWS: root }, actions: ['kms:*'], resources: ['*'] },
        {
          sid: 'CloudWatchPublishes',
          principal: { Service: 'cloudwatch.amazonaws.com' },
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': props.accountId } },
        },
      ]),
    });
    new KmsAlias(this, 'key-alias', { name: `alias/${props.topicName}`, targetKeyId: this.key.keyId });

    this.topic = new SnsTopic(this, 'topic', {
      name: props.topicName,
      kmsMasterKeyId: this.key.arn,
      tags: props.requireSubscriber ? { [SUBSCRIBER_REQUIRED_TAG]: 'true' } : undefined,
    });
    new SnsTopicPolicy(this, 'topic-policy', {
      arn: this.topic.arn,
      policy: policyDocument([
        {
          sid: 'CloudWatchAlarmsPublish',
          principal: { Service: 'cloudwatch.amazonaws.com' },
          actions: ['sns:Publish'],
          resources: [this.topic.arn],
          conditions: {
            ArnLike: { 'aws:SourceArn': `arn:${props.partition}:cloudwatch:${props.region}:${props.accountId}:alarm:*` },
            StringEquals: { 'aws:SourceAccount': props.accountId },
          },
        },
        denyInsecureTransport(['sns:Publish'], [this.topic.arn]),
      ]),
    });
    props.emails.forEach((email, i) => {
      new SnsTopicSubscription(this, `email-${i}`, { topicArn: this.topic.arn, protocol: 'email', endpoint: email });
    });
  }
}
