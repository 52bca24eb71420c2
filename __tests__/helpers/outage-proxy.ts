import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, forward, listenOnLoopback, readBody, reply } from '../../local/loopback-server';

/**
 * An HTTP proxy in front of an emulator that, while `down`, answers every request the way S3
 * answers during an outage (503 SlowDown), and otherwise forwards it untouched.
 */
export class OutageProxy {
  public down = false;
  public refused = 0;
  private server?: Server;

  public async start(target: string): Promise<string> {
    const upstream = new URL(target);
    const relay = async (req: IncomingMessage, res: ServerResponse) => {
      const body = await readBody(req);
      if (!this.down) return reply(res, await forward(upstream, req, body));
      this.refused++;
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
      );
    };
    this.server = createServer((req, res) => void relay(req, res).catch((e: Error) => reply(res, e)));
    return listenOnLoopback(this.server);
  }

  public async stop(): Promise<void> {
    await closeServer(this.server);
  }
}
