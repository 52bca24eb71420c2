import { createServer, request, type Server } from 'node:http';
import { FaultProxy } from '../../local/fault-proxy';
import { closeServer, listenOnLoopback } from '../../local/loopback-server';

/** Posts a DynamoDB PutItem through `endpoint`; resolves with the status and body. */
function putItem(endpoint: string): Promise<{ status: number; body: string }> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: 'POST', path: '/', headers: { 'x-amz-target': 'DynamoDB_20120810.PutItem' } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ Item: { s3_key: { S: 'a.txt' }, ordering_key: { S: '1' } } }));
  });
}

describe('fault proxy', () => {
  let upstream: Server;
  let proxy: FaultProxy;
  let url: string;
  let resets = 1;

  beforeAll(async () => {
    // Cuts the first connection mid-request (as an overloaded emulator does), then answers.
    upstream = createServer((req, res) => {
      if (resets-- > 0) return void req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end('{}');
    });
    proxy = new FaultProxy({ throttleRate: 0 });
    url = await proxy.start(await listenOnLoopback(upstream));
  });

  afterAll(async () => {
    await proxy.stop();
    await closeServer(upstream);
  });

  it('answers 502 when the emulator drops the connection, counts no write, and keeps serving', async () => {
    // Act
    const dropped = await putItem(url);
    const answered = await putItem(url);
    // Assess
    expect(dropped.status).toBe(502);
    expect(dropped.body).toMatch(/socket hang up|ECONNRESET/);
    expect(answered.status).toBe(200);
    expect([...proxy.stats.written.values()]).toEqual([1]);
  });
});
