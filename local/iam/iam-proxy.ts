import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, forward, listenOnLoopback, readBody, reply } from '../loopback-server';
import type { Authorizer, CallerPrincipal } from './authorizer';
import { requiredPermissions, type Service } from './request-actions';

const xmlEscape = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** AWS's own AccessDenied answer for each service, so the SDK raises exactly what it would on AWS. */
function accessDenied(service: Service, res: ServerResponse, message: string, head: boolean): void {
  const requestId = `LOCALIAM${Date.now().toString(16).toUpperCase()}`;
  if (service === 's3') {
    res.writeHead(403, { 'content-type': 'application/xml', 'x-amz-request-id': requestId });
    res.end(
      head
        ? undefined
        : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${xmlEscape(message)}</Message><RequestId>${requestId}</RequestId></Error>`,
    );
    return;
  }
  res.writeHead(400, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-requestid': requestId,
    // SQS's JSON protocol names the query-protocol error code here; the SDK reads it from this header.
    ...(service === 'sqs' ? { 'x-amzn-query-error': 'AccessDenied;Sender' } : {}),
  });
  res.end(JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message, Message: message }));
}

export interface IamProxyOptions {
  service: Service;
  principal: CallerPrincipal;
  authorizer: Authorizer;
  region: string;
  accountId: string;
  /** Requests the mapping does not know: passed on, and counted here. */
  onUnchecked?: (what: string) => void;
}

/**
 * An HTTP proxy between one function and one emulator: every request is authorized as the
 * function's role before it reaches the emulator; a denied one gets AWS's AccessDenied. S3's rule
 * for a missing object applies too: 404 only for a caller that may `s3:ListBucket`, else 403, the
 * ListBucket check evaluated as S3 does, with `s3:prefix` = the object key.
 */
export class IamProxy {
  private server?: Server;
  private target?: URL;

  public constructor(private readonly o: IamProxyOptions) {}

  public async start(target: string): Promise<string> {
    this.target = new URL(target);
    this.server = createServer((req, res) => void this.handle(req, res).catch((e: Error) => reply(res, e)));
    return listenOnLoopback(this.server);
  }

  public async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const o = this.o;
    const needed = requiredPermissions(
      o.service,
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body },
      o.region,
      o.accountId,
    );
    if (needed === null) o.onUnchecked?.(`${o.service} ${req.method} ${req.url}`);
    for (const p of needed ?? []) {
      const d = await o.authorizer.check({ principal: o.principal, ...p });
      if (!d.allowed) return accessDenied(o.service, res, d.message, req.method === 'HEAD');
    }
    const answer = await forward(this.target!, req, body);
    const objectRead = o.service === 's3' && needed?.[0]?.action.startsWith('s3:GetObject');
    if (objectRead && answer.status === 404) {
      const objectArn = needed![0]!.resource;
      const slash = objectArn.indexOf('/');
      const list = await o.authorizer.check({
        principal: o.principal,
        action: 's3:ListBucket',
        resource: objectArn.slice(0, slash),
        context: { 's3:prefix': objectArn.slice(slash + 1) },
      });
      if (!list.allowed) return accessDenied('s3', res, list.message, req.method === 'HEAD');
    }
    reply(res, answer);
  }
}
