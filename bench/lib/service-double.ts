// A thin stand-in for DynamoDB, S3 and SQS, in its own process (`node dist/bench.js double`):
// just enough of their wire protocols for the processor, answering after a fixed latency and
// spending next to no CPU, so a benchmark measures the handler, not an emulator. Conditional
// writes keep their meaning: items live in a map and condition expressions are evaluated.
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Attr = { S?: string; N?: string; BOOL?: boolean; NULL?: boolean; M?: Record<string, Attr>; L?: Attr[] };
type Item = Record<string, Attr>;

/** A tiny parser for the condition expressions the handlers write: attribute_exists/not_exists, comparisons, NOT/AND/OR, parentheses. */
type Cond = (item: Item | undefined, names: Record<string, string>, values: Item) => boolean;

function compile(expression: string): Cond {
  const tokens = expression.match(/attribute_not_exists|attribute_exists|<>|<=|>=|[()<>=,]|AND|OR|NOT|[#:][\w]+|\w+/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++]!;
  const operand =
    (t: string) =>
    (item: Item | undefined, names: Record<string, string>, values: Item): string | number | undefined => {
      const a = t.startsWith(':') ? values[t] : item?.[t.startsWith('#') ? names[t]! : t];
      if (a === undefined) return undefined;
      return a.N !== undefined ? Number(a.N) : (a.S ?? String(a.BOOL));
    };
  const primary = (): Cond => {
    const t = next();
    if (t === 'NOT') {
      const inner = primary();
      return (...a) => !inner(...a);
    }
    if (t === '(') {
      const inner = or();
      next(); // ')'
      return inner;
    }
    if (t === 'attribute_not_exists' || t === 'attribute_exists') {
      next(); // '('
      const path = next();
      next(); // ')'
      const exists: Cond = (item, names) => item?.[path.startsWith('#') ? names[path]! : path] !== undefined;
      return t === 'attribute_exists' ? exists : (...a) => !exists(...a);
    }
    const left = operand(t);
    const op = next();
    const right = operand(next());
    return (item, names, values) => {
      const l = left(item, names, values);
      const r = right(item, names, values);
      if (l === undefined || r === undefined) return op === '<>';
      return op === '<' ? l < r : op === '>' ? l > r : op === '<=' ? l <= r : op === '>=' ? l >= r : op === '=' ? l === r : l !== r;
    };
  };
  const and = (): Cond => {
    let c = primary();
    while (peek() === 'AND') {
      next();
      const l = c;
      const r = primary();
      c = (...a) => l(...a) && r(...a);
    }
    return c;
  };
  const or = (): Cond => {
    let c = and();
    while (peek() === 'OR') {
      next();
      const l = c;
      const r = and();
      c = (...a) => l(...a) || r(...a);
    }
    return c;
  };
  return or();
}

export interface DoubleStats {
  requests: number;
  conditionalFailures: number;
  traceDatagrams: number;
}

export interface ServiceDouble {
  url: string;
  /** The trace documents received (header line stripped), when started with `keepTraces`. */
  traces: Array<Record<string, unknown>>;
  /** UDP address for the X-Ray SDK (`AWS_XRAY_DAEMON_ADDRESS`): datagrams are counted and dropped. */
  xrayDaemon: string;
  stats(): DoubleStats;
  close(): Promise<void>;
}

const keyOf = (item: Item): string => `${item.s3_key?.S}\u0000${item.bucket?.S}`;

/** Starts the double: one HTTP port for all three services (told apart by headers and paths), one UDP port for traces. */
export async function startServiceDouble(latencyMs: number, options: { keepTraces?: boolean } = {}): Promise<ServiceDouble> {
  const traces: Array<Record<string, unknown>> = [];
  const items = new Map<string, Item>();
  const conditions = new Map<string, Cond>();
  const stats: DoubleStats = { requests: 0, conditionalFailures: 0, traceDatagrams: 0 };
  const conditionOf = (expression: string) =>
    conditions.get(expression) ?? conditions.set(expression, compile(expression)).get(expression)!;

  const json = (res: ServerResponse, status: number, body: unknown, contentType = 'application/x-amz-json-1.0') => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': 'double' });
    res.end(text);
  };

  const dynamodb = (target: string, input: Record<string, unknown>, res: ServerResponse) => {
    const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (input.ExpressionAttributeValues ?? {}) as Item;
    const writeIf = (key: string, next: Item) => {
      const condition = input.ConditionExpression as string | undefined;
      if (condition && !conditionOf(condition)(items.get(key), names, values)) {
        stats.conditionalFailures++;
        return json(res, 400, {
          __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
          message: 'The conditional request failed',
        });
      }
      items.set(key, next);
      return json(res, 200, {});
    };
    if (target === 'PutItem') return writeIf(keyOf(input.Item as Item), input.Item as Item);
    if (target === 'UpdateItem') {
      const key = keyOf(input.Key as Item);
      const next: Item = { ...(items.get(key) ?? (input.Key as Item)) };
      // SET #a = :v, #b = :w — what the handlers' UpdateItem writes; REMOVE is honoured too.
      const update = String(input.UpdateExpression ?? '');
      for (const m of update.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) next[m[1]!.startsWith('#') ? names[m[1]!]! : m[1]!] = values[m[2]!]!;
      const removed = /REMOVE\s+(.+)$/.exec(update)?.[1] ?? '';
      for (const r of removed
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean))
        delete next[r.startsWith('#') ? names[r]! : r];
      return writeIf(key, next);
    }
    if (target === 'GetItem')
      return json(res, 200, items.has(keyOf(input.Key as Item)) ? { Item: items.get(keyOf(input.Key as Item)) } : {});
    if (target === 'DescribeTable')
      return json(res, 200, { Table: { TableName: input.TableName, TableStatus: 'ACTIVE', ItemCount: items.size } });
    return json(res, 400, {
      __type: 'com.amazon.coral.validate#UnknownOperationException',
      message: `The double does not answer ${target}`,
    });
  };

  let messages = 0;
  const sqs = (target: string, input: Record<string, unknown>, res: ServerResponse) => {
    // The SDK checks each body's MD5.
    const md5 = (body: unknown) => createHash('md5').update(String(body)).digest('hex');
    if (target === 'SendMessage') return json(res, 200, { MessageId: `m-${++messages}`, MD5OfMessageBody: md5(input.MessageBody) });
    if (target === 'SendMessageBatch') {
      const entries = input.Entries as Array<{ Id: string; MessageBody: string }>;
      return json(res, 200, {
        Successful: entries.map((e) => ({ Id: e.Id, MessageId: `m-${++messages}`, MD5OfMessageBody: md5(e.MessageBody) })),
        Failed: [],
      });
    }
    return json(res, 400, { __type: 'com.amazonaws.sqs#UnsupportedOperation', message: `The double does not answer ${target}` });
  };

  const s3 = (req: IncomingMessage, res: ServerResponse) => {
    // HeadObject / GetObject, path style: every object exists, 12 bytes of text.
    if (req.method !== 'HEAD' && req.method !== 'GET') {
      res.writeHead(405);
      return res.end();
    }
    const body = req.method === 'GET' ? 'bench object' : '';
    res.writeHead(200, {
      'content-type': 'text/plain',
      'content-length': 12,
      etag: '"e"',
      'last-modified': new Date(0).toUTCString(),
      'x-amz-version-id': 'null',
    });
    res.end(body);
  };

  const server = createServer((req, res) => {
    stats.requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        if (!target) return s3(req, res);
        const input = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>) : {};
        const [service, operation] = target.split('.');
        return service === 'AmazonSQS' ? sqs(operation!, input, res) : dynamodb(operation!, input, res);
      };
      if (latencyMs > 0) setTimeout(answer, latencyMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const udp = createSocket('udp4');
  udp.on('message', (msg: Buffer) => {
    stats.traceDatagrams++;
    // Each datagram: a JSON header line, then the (sub)segment document.
    if (options.keepTraces) traces.push(JSON.parse(msg.toString().split('\n')[1]!) as Record<string, unknown>);
  });
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    xrayDaemon: `127.0.0.1:${udp.address().port}`,
    traces,
    stats: () => ({ ...stats }),
    close: () =>
      new Promise((r) => {
        udp.close();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Exposed for tests: the condition evaluator. */
export const compileCondition = compile;
