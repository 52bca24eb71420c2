import { createServer, request, type Server } from 'node:http';
import { listenOnLoopback } from '../../local/loopback-server';

/**
 * Forwards every HTTP request to `target` after `delayMs`: a stand-in for the network round
 * trip between Lambda and DynamoDB/S3 (≈ 5 ms), which loopback does not have.
 */
export async function startDelayProxy(target: string, delayMs: number): Promise<{ url: string; server: Server }> {
  const t = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(() => {
        const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on('error', (e) => {
          res.writeHead(502);
          res.end(e.message);
        });
        up.end(Buffer.concat(chunks));
      }, delayMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  return { url: await listenOnLoopback(server), server };
}
