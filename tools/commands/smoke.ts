import { locateDeployment } from '../deployment';
import { runSmoke } from '../smoke/smoke';
import { command, sharedHelp, UsageError } from '../../cli/command';
import { runMain } from '../../cli/run-main';

const USAGE = `Usage: npm run smoke -- --env NAME [--local] [--timeout SECONDS] [--json]

Proves a deployed (or locally running) pipeline end to end: uploads a probe object under the
environment's prefix (_smoke/…), waits for its item, checks that nothing new reached the
dead-letter (or pusher failure) queue, prints the latency, then removes every version of the
probe and its item. Exit 0 when every step held, 1 otherwise.

${sharedHelp('local', 21)}
  --timeout SECONDS  how long to wait for the item (default 60)
${sharedHelp('data-dir', 21)}
${sharedHelp('json', 21)}

Against AWS it reads outputs/NAME.json (npm run outputs) and the environment's credentials;
it needs s3:PutObject/DeleteObject/DeleteObjectVersion/ListBucketVersions on the bucket,
dynamodb:GetItem/DeleteItem on the table and sqs:GetQueueAttributes on the failure queues.`;

const OPTIONS = { timeout: { type: 'string', default: '60' } } as const;

export const main = command(
  { usage: USAGE, shared: ['env', 'local', 'data-dir', 'json'], options: OPTIONS, required: ['env'], aws: true },
  async ({ values, write }) => {
    const timeout = Number(values.timeout);
    if (!Number.isFinite(timeout) || timeout <= 0)
      throw new UsageError(`--timeout must be a positive number of seconds (got "${values.timeout}")`);
    const d = locateDeployment(values.env, { local: values.local, dataDir: values['data-dir'] });
    try {
      const result = await runSmoke(d, { timeoutMs: timeout * 1000 });
      if (values.json) write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        write(`Smoke test of ${values.env} (${d.local ? 'local pipeline' : 'AWS'}): probe "${result.key}"\n`);
        for (const s of result.steps) write(`  ${s.ok ? '✓' : '✗'} ${s.name}: ${s.detail}\n`);
        write(result.ok ? `Passed: end-to-end latency ${result.latencyMs} ms.\n` : 'FAILED.\n');
      }
      return result.ok ? 0 : 1;
    } finally {
      d.close();
    }
  },
);

runMain(module, main);
