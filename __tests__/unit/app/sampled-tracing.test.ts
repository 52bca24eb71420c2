import { sampledTracing } from '../../../src/app/observability';

/** A stand-in SDK client: records its calls, and whether the tracer instrumented it. */
class FakeClient {
  public readonly calls: string[] = [];
  public instrumented = false;
  public destroyed = false;
  public readonly config = { region: 'eu-west-1' };
  public async send(command: string): Promise<string> {
    this.calls.push(command);
    return `${this.instrumented ? 'traced' : 'plain'}:${command}`;
  }
  public destroy(): void {
    this.destroyed = true;
  }
}

function fakeTracer(enabled: boolean) {
  const state = { sampled: false };
  const tracer = {
    isTracingEnabled: () => enabled,
    isTraceSampled: () => enabled && state.sampled,
    captureAWSv3Client: <T>(client: T): T => {
      (client as unknown as FakeClient).instrumented = true;
      return client;
    },
  };
  return { tracer, state };
}

describe('SDK calls are traced in sampled invocations only', () => {
  it('sends through the instrumented client when the invocation is sampled, through the plain one otherwise', async () => {
    // Prepare
    const made: FakeClient[] = [];
    const { tracer, state } = fakeTracer(true);
    const client = sampledTracing(tracer, () => (made.push(new FakeClient()), made.at(-1)!));
    // Act
    state.sampled = true;
    const first = await client.send('PutItem-1');
    state.sampled = false;
    const second = await client.send('PutItem-2');
    const third = await client.send('PutItem-3');
    state.sampled = true;
    const fourth = await client.send('PutItem-4');
    client.destroy();
    // Assess
    expect([first, second, third, fourth]).toEqual(['traced:PutItem-1', 'plain:PutItem-2', 'plain:PutItem-3', 'traced:PutItem-4']);
    expect(made).toHaveLength(2);
    expect(made.map((c) => c.destroyed)).toEqual([true, true]);
    expect(client.config).toEqual({ region: 'eu-west-1' });
  });

  it('makes one plain client when tracing is off', async () => {
    // Prepare
    const made: FakeClient[] = [];
    const { tracer } = fakeTracer(false);
    // Act
    const client = sampledTracing(tracer, () => (made.push(new FakeClient()), made.at(-1)!));
    const answer = await client.send('HeadObject');
    // Assess
    expect(made).toHaveLength(1);
    expect(answer).toBe('plain:HeadObject');
  });
});
