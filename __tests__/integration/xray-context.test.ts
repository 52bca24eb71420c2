import { spawn } from 'node:child_process';
import { startServiceDouble, type ServiceDouble } from '../../bench/lib/service-double';
import { bundleDeployedHandler, checkXraySdkVersion, deployedBundleInputs, XRAY_CONTEXT_SHIM } from '../../bundling/bundle-handler';
import { benchProcessorEnvironment } from '../../bench/lib/bench-config';
import { DEFAULT_LAMBDA_RUNTIME } from '../../config/runtimes';
import { lambdaNodeFor } from '../../local/lambda-node';
import { localAwsEnvironment } from '../../local/local-clients';
import { PROJECT_ROOT } from '../../config/project-root';
import { PUSHER_MESSAGE_TYPE } from '../../src/core/types';

/**
 * The shipped processor bundle traces with the X-Ray SDK on AsyncLocalStorage (src/app/xray-context.ts
 * in place of cls-hooked). Run as in Lambda — Lambda mode, a trace header per invocation, segments
 * over UDP — every SDK call of an invocation must be a subsegment of that invocation's trace.
 */
const CHILD = `
const { handler } = require(process.env.BUNDLE);
const traces = JSON.parse(process.env.TRACES);
(async () => {
  for (const [i, header] of traces.entries()) {
    process.env._X_AMZN_TRACE_ID = header;
    const body = (n) => JSON.stringify({ type: process.env.MSG_TYPE, bucket: 'b', key: 'inv' + i + '/' + n + '.txt', eventName: 'ObjectCreated:Put', eventTime: new Date().toISOString(), sequencer: (BigInt(Date.now()) * 1000000n + BigInt(n)).toString(16).toUpperCase(), size: 1, etag: 'e', contentType: 'text/plain' });
    const records = [0, 1, 2].map((n) => ({ messageId: 'm' + i + n, body: body(n) }));
    const r = await handler({ Records: records }, { getRemainingTimeInMillis: () => 30000 });
    if (r.batchItemFailures.length) throw new Error('records failed');
  }
  setTimeout(() => process.exit(0), 200);
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe('X-Ray context on AsyncLocalStorage in the shipped bundle', () => {
  let double: ServiceDouble;
  beforeAll(async () => {
    double = await startServiceDouble(1, { keepTraces: true });
  });
  afterAll(() => double.close());

  it.each(['processor', 'pusher', 'reconcile'] as const)('the %s bundle has the shim, not cls-hooked', (name) => {
    const inputs = deployedBundleInputs(name, { withDependencies: true });
    expect(inputs).toContain(XRAY_CONTEXT_SHIM);
    expect(inputs.filter((i) => i.includes('cls-hooked'))).toEqual([]);
    expect(inputs.some((i) => i.includes('aws-xray-sdk-core'))).toBe(true);
  });

  it('bundles only an aws-xray-sdk-core version the shim was tested with, and refuses any other by name', () => {
    const inputs = deployedBundleInputs('processor', { withDependencies: true });
    expect(() => checkXraySdkVersion(inputs)).not.toThrow();
    expect(() => checkXraySdkVersion(inputs, ['3.11.0'])).toThrow(
      /aws-xray-sdk-core 3\.12\.0 would be bundled, but src\/app\/xray-context\.ts .* tested with \(3\.11\.0\)/,
    );
  });

  it('puts each sampled invocation’s SDK calls under that invocation’s trace, parented to its facade segment', async () => {
    const roots = ['1-6750a000-0123456789abcdef01234567', '1-6750a001-89abcdef0123456789abcdef'];
    // Between the two sampled invocations, one Lambda did not sample: its calls go through the plain clients.
    const unsampled = '1-6750a002-fedcba9876543210fedcba98';
    const sampledHeaders = roots.map((root, i) => `Root=${root};Parent=${String(i + 1).repeat(16)};Sampled=1`);
    const headers = [sampledHeaders[0], `Root=${unsampled};Parent=${'3'.repeat(16)};Sampled=0`, sampledHeaders[1]];
    const endpoints = { dynamodb: double.url, s3: double.url, sqs: double.url };
    const env = {
      PATH: process.env.PATH ?? '',
      ...localAwsEnvironment(endpoints, 'eu-west-1'),
      ...benchProcessorEnvironment(double.url, 10),
      NODE_OPTIONS: '',
      POWERTOOLS_TRACE_ENABLED: 'true',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_EXECUTION_ENV: `AWS_Lambda_${DEFAULT_LAMBDA_RUNTIME}`,
      LAMBDA_TASK_ROOT: PROJECT_ROOT,
      AWS_XRAY_DAEMON_ADDRESS: double.xrayDaemon,
      AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
      BUNDLE: bundleDeployedHandler('processor').file,
      TRACES: JSON.stringify(headers),
      MSG_TYPE: PUSHER_MESSAGE_TYPE,
    };
    const stderr = await new Promise<string>((resolve, reject) => {
      const child = spawn(lambdaNodeFor(DEFAULT_LAMBDA_RUNTIME).path, ['-e', CHILD], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code) => (code === 0 ? resolve(err) : reject(new Error(err))));
    });
    expect(stderr).not.toMatch(/context missing|Failed to get the current sub\/segment/i);
    const dynamo = double.traces.filter((t) => t.name === 'DynamoDB');
    expect(dynamo).toHaveLength(6);
    expect(double.traces.filter((t) => t.trace_id === unsampled)).toEqual([]);
    for (const [i, root] of roots.entries()) {
      const mine = dynamo.filter((t) => t.trace_id === root);
      expect(mine).toHaveLength(3);
      for (const t of mine)
        expect(t).toMatchObject({
          parent_id: String(i + 1).repeat(16),
          type: 'subsegment',
          namespace: 'aws',
          aws: expect.objectContaining({ operation: 'PutItem' }),
        });
    }
  }, 60_000);
});
