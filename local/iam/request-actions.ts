/** One IAM check a request needs: the action, the resource ARN, and condition keys the request supplies. */
export interface RequiredPermission {
  action: string;
  resource: string;
  context?: Record<string, string>;
}

export type Service = 's3' | 'sqs' | 'dynamodb';

export interface HttpRequestShape {
  method: string;
  /** Path and query, as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const header = (h: HttpRequestShape['headers'], name: string): string => String(h[name] ?? '');
const json = (body: Buffer): Record<string, unknown> => {
  try {
    return JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
};

/** DynamoDB (JSON protocol): `X-Amz-Target: DynamoDB_20120810.PutItem`, the table(s) named in the body. */
function dynamodb(r: HttpRequestShape, region: string, accountId: string): RequiredPermission[] | null {
  const op = header(r.headers, 'x-amz-target').split('.')[1];
  if (!op) return null;
  const body = json(r.body);
  const tables = body.TableName ? [String(body.TableName)] : Object.keys((body.RequestItems as object | undefined) ?? {});
  return tables.map((t) => ({ action: `dynamodb:${op}`, resource: `arn:aws:dynamodb:${region}:${accountId}:table/${t}` }));
}

/** Batch forms of SQS calls are authorized as their single form. */
const SQS_ACTION: Record<string, string> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

/** SQS (JSON protocol): `X-Amz-Target: AmazonSQS.SendMessage`, the queue from `QueueUrl` (`…/ACCOUNT/NAME`). */
function sqs(r: HttpRequestShape, region: string, accountId: string): RequiredPermission[] | null {
  const op = header(r.headers, 'x-amz-target').split('.')[1];
  if (!op) return null;
  const body = json(r.body);
  const [account, name] = body.QueueUrl
    ? new URL(String(body.QueueUrl)).pathname.split('/').filter(Boolean)
    : [accountId, String(body.QueueName ?? '')];
  return [{ action: `sqs:${SQS_ACTION[op] ?? op}`, resource: `arn:aws:sqs:${region}:${account}:${name}` }];
}

/**
 * S3 (REST, path-style): the method, the bucket and key in the path, the subresource in the query.
 * The path is split as received: `new URL` would resolve `a/../b` to `b`, but S3 keys are opaque
 * (`a/../b` is its own key, authorized as such).
 */
function s3(r: HttpRequestShape): RequiredPermission[] | null {
  const question = r.url.indexOf('?');
  const path = question < 0 ? r.url : r.url.slice(0, question);
  const q = new URLSearchParams(question < 0 ? '' : r.url.slice(question + 1));
  const [bucket, ...rest] = path.slice(1).split('/');
  if (!bucket) return null;
  const key = rest.map(decodeURIComponent).join('/');
  const bucketArn = `arn:aws:s3:::${bucket}`;
  if (key) {
    const versioned = q.has('versionId');
    const object = `${bucketArn}/${key}`;
    if (r.method === 'GET' || r.method === 'HEAD')
      return [{ action: versioned ? 's3:GetObjectVersion' : 's3:GetObject', resource: object }];
    if (r.method === 'PUT') return [{ action: 's3:PutObject', resource: object }];
    if (r.method === 'DELETE') return [{ action: versioned ? 's3:DeleteObjectVersion' : 's3:DeleteObject', resource: object }];
    return null;
  }
  if (r.method === 'HEAD') return [{ action: 's3:ListBucket', resource: bucketArn }];
  if (r.method === 'GET' && q.has('versions'))
    return [
      { action: 's3:ListBucketVersions', resource: bucketArn, context: q.has('prefix') ? { 's3:prefix': q.get('prefix')! } : undefined },
    ];
  if (
    r.method === 'GET' &&
    [...q.keys()].every((k) =>
      [
        'list-type',
        'prefix',
        'delimiter',
        'start-after',
        'continuation-token',
        'max-keys',
        'marker',
        'encoding-type',
        'fetch-owner',
      ].includes(k),
    )
  ) {
    return [{ action: 's3:ListBucket', resource: bucketArn, context: q.has('prefix') ? { 's3:prefix': q.get('prefix')! } : undefined }];
  }
  return null;
}

/**
 * What IAM checks a request needs, as AWS authorizes it. Null: a request shape these functions
 * never send; the proxy passes it and the report lists it as unchecked.
 */
export function requiredPermissions(service: Service, r: HttpRequestShape, region: string, accountId: string): RequiredPermission[] | null {
  if (service === 'dynamodb') return dynamodb(r, region, accountId);
  if (service === 'sqs') return sqs(r, region, accountId);
  return s3(r);
}
