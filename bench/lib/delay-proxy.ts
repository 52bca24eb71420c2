import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { forward, listenOnLoopback, readBody, reply } from '../../local/loopback-server';

/**
 * Forwards every HTTP request to `target` after `delayMs`: a stand-in for the network round
 * trip between Lambda and DynamoDB/S3 (≈ 5 ms), which loopback does not have.
 */
export async function startDelayProxy(target: string, delayMs: number): Promise<{ url: string; server: Server }> {
  const upstream = new URL(target);
  const relay = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    await sleep(delayMs);
    reply(res, await forward(upstream, req, body));
  };
  const server = createServer((req, res) => void relay(req, res).catch((e: Error) => reply(res, e)));
  server.keepAliveTimeout = 60_000;
  return { url: await listenOnLoopback(server), server };
}
