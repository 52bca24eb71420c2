import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, forward, isUpstreamResponse, listenOnLoopback, readBody, reply } from './loopback-server';

export interface FaultProxyOptions {
  /** Fraction (0–1) of write requests (PutItem, UpdateItem) answered with a throttling error. */
  throttleRate?: number;
  /** Deterministic randomness for repeatable runs. @default Math.random */
  random?: () => number;
  /** Decides per write, from the object key it writes, instead of `throttleRate` (targeted tests). */
  shouldThrottle?: (key: string | undefined) => boolean;
}

export interface WriteStats {
  requests: number;
  throttled: number;
  /** Conditional writes refused because the table already held the event or a newer one. */
  conditionFailed: number;
  /** Successful writes per `key|ordering_key`: more than one for a pair is a double write. */
  written: Map<string, number>;
}

const WRITE_TARGETS = new Set(['DynamoDB_20120810.PutItem', 'DynamoDB_20120810.UpdateItem']);
const THROTTLE_BODY = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  message: 'The level of configured provisioned throughput for the table was exceeded (injected by the fault proxy)',
});

/** The object key and event (ordering key) a PutItem/UpdateItem request writes. */
function identity(body: string): { key?: string; order?: string } {
  try {
    const req = JSON.parse(body) as {
      Item?: Record<string, { S?: string }>;
      Key?: Record<string, { S?: string }>;
      ExpressionAttributeValues?: Record<string, { S?: string }>;
    };
    return {
      key: req.Item?.s3_key?.S ?? req.Key?.s3_key?.S,
      order: req.Item?.ordering_key?.S ?? req.ExpressionAttributeValues?.[':ordering_key']?.S,
    };
  } catch {
    return {};
  }
}

/**
 * An HTTP proxy in front of the DynamoDB emulator that injects faults at the protocol level:
 * a fraction of write requests get the exact 400 response DynamoDB sends when throttling,
 * so the SDK's retry logic, the handler's error classification and SQS redelivery are all
 * exercised for real. It also counts successful writes per (key, event) to detect double writes.
 */
export class FaultProxy {
  public readonly stats: WriteStats = { requests: 0, throttled: 0, conditionFailed: 0, written: new Map() };
  private server?: Server;
  private target?: URL;
  private readonly random: () => number;

  public constructor(private readonly o: FaultProxyOptions) {
    this.random = o.random ?? Math.random;
  }

  /** Starts proxying to `target` (the DynamoDB emulator) and returns the proxy's endpoint. */
  public async start(target: string): Promise<string> {
    this.target = new URL(target);
    this.server = createServer((req, res) => void this.handle(req, res));
    return listenOnLoopback(this.server);
  }

  public async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const isWrite = WRITE_TARGETS.has(target);
    const write = isWrite ? identity(body.toString('utf8')) : {};
    if (isWrite) {
      this.stats.requests++;
      const throttle = this.o.shouldThrottle ? this.o.shouldThrottle(write.key) : this.random() < (this.o.throttleRate ?? 0);
      if (throttle) {
        this.stats.throttled++;
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'FAULTPROXY' });
        res.end(THROTTLE_BODY);
        return;
      }
    }
    const answer = await forward(this.target!, req, body).catch((e: Error) => e);
    if (isWrite && isUpstreamResponse(answer)) this.record(answer.status, write, answer.body.toString('utf8'));
    reply(res, answer);
  }

  private record(status: number, write: { key?: string; order?: string }, responseBody: string): void {
    if (status === 200) {
      const id = `${write.key}|${write.order}`;
      this.stats.written.set(id, (this.stats.written.get(id) ?? 0) + 1);
    } else if (responseBody.includes('ConditionalCheckFailedException')) {
      this.stats.conditionFailed++;
    }
  }
}
