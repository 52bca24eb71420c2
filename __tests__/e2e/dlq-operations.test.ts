import { main as dlq } from '../../tools/commands/dlq';
import { FaultProxy } from '../../local/fault-proxy';
import { startLocalPipeline, type LocalPipeline } from '../../local/local-pipeline';
import { scanItems } from '../../local/run-report';
import { makeConfig } from '../helpers/factories';
import { tempDataDir } from '../helpers/local-env';

/** Dead letters made by the local pipeline are inspected, then redriven once the cause is fixed. */
describe('npm run dlq against the local pipeline', () => {
  const data = tempDataDir();
  let broken = true;
  const proxy = new FaultProxy({ shouldThrottle: (key) => broken && (key ?? '').startsWith('doomed/') });
  let pipeline: LocalPipeline;
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const code = await dlq([...args, '--env', 'test', '--local', '--data-dir', data.dir, '--json'], (s) => void out.push(s));
    return { code, json: JSON.parse(out.join('')) };
  };

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      config: makeConfig({ environment: 'test', processor: { maxConcurrency: 2, timeoutSeconds: 5 } }),
      dataDir: data.dir,
      sendTestEvent: false,
      functionEndpoints: async (e) => ({ dynamodb: await proxy.start(e.dynamodb) }),
    });
    await pipeline.upload('doomed/a.txt', 'a', 'text/plain');
    await pipeline.upload('doomed/b c.txt', 'b', 'text/plain');
    await pipeline.waitForDrain(90_000);
    // Alone in its batch: sharing one with the slow, throttled records could let a timeout redeliver it.
    await pipeline.injectMessage('{"Records": [ truncated');
    await pipeline.waitForDrain(30_000);
  }, 120_000);

  afterAll(async () => {
    await pipeline?.stop();
    await proxy.stop();
    data.cleanup();
  });

  it('peeks at the dead letters with their reasons, without consuming them', async () => {
    const first = await run('peek', '--max', '10');
    expect(first.code).toBe(0);
    const summary = (letters: Array<{ reason: string; keys: string[] }>) => letters.map((l) => `${l.reason}:${l.keys.join(',')}`).sort();
    expect(summary(first.json)).toEqual(['malformed-json:', 'max-receives-exceeded:doomed/a.txt', 'max-receives-exceeded:doomed/b c.txt']);
    const again = await run('peek');
    expect(summary(again.json)).toEqual(summary(first.json));
  }, 60_000);

  it('replay explains that it is for pusher mode, and what to do in this one', async () => {
    await expect(run('replay')).rejects.toThrow(
      '"test" is in direct mode: replay re-invokes the pusher with the events in its failure queue, which only pusher mode has. Dead letters of direct mode go back with: npm run dlq -- redrive --env test',
    );
  });

  it('reports depth, age and reasons', async () => {
    const { json } = await run('stats');
    expect(json).toMatchObject({
      visible: 3,
      byReason: { 'malformed-json': 1, 'max-receives-exceeded': 2 },
      oldestAgeSeconds: expect.any(Number),
    });
  }, 60_000);

  it('after the cause is fixed, a redrive stores the objects; poison comes back to the DLQ', async () => {
    broken = false;
    const { code, json } = await run('redrive');
    expect(code).toBe(0);
    expect(json).toMatchObject({ moved: 3, failed: 0, method: expect.any(String) });
    await pipeline.waitForDrain(60_000);
    const keys = (await scanItems(pipeline)).map((i) => i.s3_key).sort();
    expect(keys).toEqual(['doomed/a.txt', 'doomed/b c.txt']);
    const after = await run('peek');
    expect(after.json.map((l: { reason: string }) => l.reason)).toEqual(['malformed-json']);
  }, 120_000);
});
