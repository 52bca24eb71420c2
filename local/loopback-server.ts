import { Agent, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on a loopback port (a free one by default) and returns the server's `http://127.0.0.1:PORT` endpoint. */
export async function listenOnLoopback(server: Server, port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => (server.off('error', reject), resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes a server at once: open keep-alive connections are cut instead of waited for. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Reads a request's whole body. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Connections to the emulators are kept open: a proxy hop must not cost a TCP handshake per call. */
const upstreamAgent = new Agent({ keepAlive: true, maxSockets: Infinity });

/** Sends a request on to `target` as it came (method, path, headers, body) and reads the whole answer. */
export function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent: upstreamAgent },
      (up) => {
        const out: Buffer[] = [];
        up.on('data', (c: Buffer) => out.push(c));
        up.on('end', () => resolve({ status: up.statusCode ?? 502, headers: up.headers, body: Buffer.concat(out) }));
        up.on('error', reject);
      },
    );
    upstream.on('error', reject);
    upstream.end(body);
  });
}

/**
 * An answer, as opposed to the reason there is none. Not `instanceof Error`: errors raised by Node's
 * own modules come from another realm when this runs inside a test sandbox (jest), and fail that check.
 */
export const isUpstreamResponse = (r: UpstreamResponse | Error): r is UpstreamResponse =>
  typeof (r as Partial<UpstreamResponse>).status === 'number' && Buffer.isBuffer((r as Partial<UpstreamResponse>).body);

/** Writes an upstream answer (or a 502 naming why there is none) back to the client. */
export function reply(res: ServerResponse, r: UpstreamResponse | Error): void {
  if (!isUpstreamResponse(r)) {
    res.writeHead(502);
    res.end(String((r as Error | undefined)?.message ?? r));
    return;
  }
  res.writeHead(r.status, r.headers);
  res.end(r.body);
}
