import { createServer, request, type Server } from 'node:http';
import { closeServer, listenOnLoopback } from '../../local/loopback-server';

/**
 * An HTTP proxy in front of an emulator that, while `down`, answers every request the way S3
 * answers during an outage (503 SlowDown), and otherwise forwards it untouched.
 */
export class OutageProxy {
  public down = false;
  public refused = 0;
  private server?: Server;

  public async start(target: string): Promise<string> {
    const url = new URL(target);
    this.server = createServer((req, res) => {
      if (this.down) {
        this.refused++;
        req.resume();
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
        );
        return;
      }
      const upstream = request({ host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', (e) => {
        res.writeHead(502);
        res.end(e.message);
      });
      req.pipe(upstream);
    });
    return listenOnLoopback(this.server);
  }

  public async stop(): Promise<void> {
    await closeServer(this.server);
  }
}
