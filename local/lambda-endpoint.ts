import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, readBody } from './loopback-server';

/** A function the endpoint serves: synchronous and asynchronous invocation, as Lambda offers them. */
export interface InvocableFunction {
  invoke(event: unknown): Promise<unknown>;
  invokeAsync(event: unknown): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/**
 * The slice of the Lambda API that operators' tools use against the local pipeline: `Invoke`
 * (`POST /2015-03-31/functions/{name}/invocations`), with `X-Amz-Invocation-Type: Event` queued
 * through Lambda's async retries (202) or `RequestResponse` answered with the result (200).
 * The AWS SDK's `LambdaClient` works against it unchanged, so `npm run dlq -- replay` re-invokes
 * the local pusher exactly as it re-invokes the deployed one.
 */
export class LambdaEndpoint {
  private server?: Server;

  public constructor(private readonly functions: Record<string, InvocableFunction>) {}

  public async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    return listenOnLoopback(this.server);
  }

  public async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    const name = decodeURIComponent(INVOKE_PATH.exec((req.url ?? '').split('?')[0]!)?.[1] ?? '');
    const fn = req.method === 'POST' ? this.functions[name.split(':').pop()!] : undefined;
    if (!fn)
      return reply(404, { Type: 'User', message: `Function not found: ${name}` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
    const body = await readBody(req);
    let event: unknown;
    try {
      event = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return reply(
        400,
        { Type: 'User', message: 'Could not parse request body into json' },
        { 'x-amzn-errortype': 'InvalidRequestContentException' },
      );
    }
    if (req.headers['x-amz-invocation-type'] === 'Event') {
      await fn.invokeAsync(event);
      return reply(202, undefined);
    }
    try {
      return reply(200, await fn.invoke(event));
    } catch (e) {
      const err = e as { errorType?: string; message?: string };
      return reply(200, { errorType: err.errorType ?? 'Error', errorMessage: err.message }, { 'x-amz-function-error': 'Unhandled' });
    }
  }
}
