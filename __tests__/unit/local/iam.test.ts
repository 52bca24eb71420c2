import { resourceNames } from '../../../config/derive';
import { Authorizer } from '../../../local/iam/authorizer';
import { requiredPermissions } from '../../../local/iam/request-actions';
import { resolveReferences, stackPolicies } from '../../../local/iam/stack-policies';
import { synthesizeStack } from '../../../local/iam/synthesized-stack';
import { makeConfig } from '../../helpers/factories';

const req = (method: string, url: string, headers: Record<string, string> = {}, body: unknown = undefined) => ({
  method,
  url,
  headers,
  body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
});

describe('requiredPermissions: a request as AWS authorizes it', () => {
  it('S3: object reads, versioned reads, writes, deletes, listings with their prefix', () => {
    expect(requiredPermissions('s3', req('HEAD', '/b/my%20folder/a%2Bb.txt'), 'eu-west-1', '1')).toEqual([
      { action: 's3:GetObject', resource: 'arn:aws:s3:::b/my folder/a+b.txt' },
    ]);
    expect(requiredPermissions('s3', req('GET', '/b/k?versionId=v1'), 'r', '1')).toEqual([
      { action: 's3:GetObjectVersion', resource: 'arn:aws:s3:::b/k' },
    ]);
    expect(requiredPermissions('s3', req('PUT', '/b/k'), 'r', '1')?.[0]?.action).toBe('s3:PutObject');
    expect(requiredPermissions('s3', req('DELETE', '/b/k?versionId=v'), 'r', '1')?.[0]?.action).toBe('s3:DeleteObjectVersion');
    expect(requiredPermissions('s3', req('GET', '/b?list-type=2&prefix=in%2F'), 'r', '1')).toEqual([
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::b', context: { 's3:prefix': 'in/' } },
    ]);
    expect(requiredPermissions('s3', req('GET', '/b?versions'), 'r', '1')?.[0]?.action).toBe('s3:ListBucketVersions');
    expect(requiredPermissions('s3', req('GET', '/b?policy'), 'r', '1')).toBeNull();
  });

  it('SQS: batch calls as their single action, the queue from its URL', () => {
    const sqs = (op: string, body: unknown) =>
      requiredPermissions('sqs', req('POST', '/', { 'x-amz-target': `AmazonSQS.${op}` }, body), 'eu-west-1', '999');
    expect(sqs('SendMessageBatch', { QueueUrl: 'http://127.0.0.1:1/111/q' })).toEqual([
      { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:eu-west-1:111:q' },
    ]);
    expect(sqs('ReceiveMessage', { QueueUrl: 'http://h/111/q' })?.[0]?.action).toBe('sqs:ReceiveMessage');
    expect(sqs('GetQueueUrl', { QueueName: 'q' })).toEqual([{ action: 'sqs:GetQueueUrl', resource: 'arn:aws:sqs:eu-west-1:999:q' }]);
  });

  it('DynamoDB: the table of a single call, every table of a batch', () => {
    const ddb = (op: string, body: unknown) =>
      requiredPermissions('dynamodb', req('POST', '/', { 'x-amz-target': `DynamoDB_20120810.${op}` }, body), 'eu-west-1', '1');
    expect(ddb('PutItem', { TableName: 't' })).toEqual([{ action: 'dynamodb:PutItem', resource: 'arn:aws:dynamodb:eu-west-1:1:table/t' }]);
    expect(ddb('BatchGetItem', { RequestItems: { a: {}, b: {} } })?.map((p) => p.resource)).toEqual([
      'arn:aws:dynamodb:eu-west-1:1:table/a',
      'arn:aws:dynamodb:eu-west-1:1:table/b',
    ]);
  });
});

describe('stackPolicies: the synthesized stack’s policies with local ARNs', () => {
  const cfg = makeConfig({ mode: 'pusher' });
  const n = resourceNames(cfg);
  const policies = stackPolicies(synthesizeStack(cfg), cfg);

  it('resolves references the way AWS names the resources, and refuses what it cannot name', () => {
    const resources = { aws_sqs_queue: { q: { name: 'my-queue' } } };
    expect(resolveReferences('${aws_sqs_queue.q.arn}/x', resources, cfg)).toBe(`arn:aws:sqs:${cfg.region}:${cfg.accountId}:my-queue/x`);
    expect(() => resolveReferences('${aws_sqs_queue.nope.arn}', resources, cfg)).toThrow('does not define');
    expect(() => resolveReferences('${aws_sqs_queue.q.visibility_timeout_seconds}', resources, cfg)).toThrow('Cannot resolve');
  });

  it('reads each function’s role policies and builds the pusher’s function policy from aws_lambda_permission', () => {
    expect(Object.keys(policies.functions).sort()).toEqual([n.processor, n.pusher].sort());
    expect(JSON.stringify(policies.functions[n.pusher]!.identityPolicies)).not.toContain('${');
    const pusherArn = `arn:aws:lambda:${cfg.region}:${cfg.accountId}:function:${n.pusher}`;
    expect(policies.resourcePolicies[pusherArn]!.Statement[0]).toMatchObject({
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
    });
  });

  it('authorizes with AWS’s logic: identity allows, a resource policy’s explicit deny wins, service principals need the resource policy', async () => {
    const a = new Authorizer(policies);
    const bucketObject = `arn:aws:s3:::${n.bucket}/${cfg.filters.prefix}a.txt`;
    expect(
      (await a.check({ principal: { kind: 'function', functionName: n.pusher }, action: 's3:GetObject', resource: bucketObject })).allowed,
    ).toBe(true);
    const insecure = await a.check({
      principal: { kind: 'function', functionName: n.pusher },
      action: 's3:GetObject',
      resource: bucketObject,
      context: { 'aws:SecureTransport': 'false' },
    });
    expect(insecure).toMatchObject({ allowed: false, result: 'ExplicitlyDenied' });
    expect(insecure.decidedBy.join()).toContain('DenyInsecureTransport');
    const s3 = { kind: 'service' as const, service: 's3.amazonaws.com', label: 'S3' };
    const invoke = {
      principal: s3,
      action: 'lambda:InvokeFunction',
      resource: `arn:aws:lambda:${cfg.region}:${cfg.accountId}:function:${n.pusher}`,
    };
    expect(
      (await a.check({ ...invoke, context: { 'aws:SourceArn': `arn:aws:s3:::${n.bucket}`, 'aws:SourceAccount': cfg.accountId } })).allowed,
    ).toBe(true);
    expect(
      (await a.check({ ...invoke, context: { 'aws:SourceArn': 'arn:aws:s3:::another', 'aws:SourceAccount': cfg.accountId } })).allowed,
    ).toBe(false);
    expect(a.report().denied.map((d) => d.action)).toEqual(['s3:GetObject', 'lambda:InvokeFunction']);
  });
});
