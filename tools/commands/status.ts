import { parseArgs } from 'node:util';
import { locateDeployment } from '../deployment';
import { awsSources, collectStatus, localSources, renderStatus } from '../status/status';
import { runMain } from '../../cli/run-main';

const USAGE = `Usage: npm run status -- --env NAME [--local] [--json]

The screen an operator reads first: the processing queue (waiting, in flight, delayed, oldest),
the dead-letter and pusher failure queues (depth, oldest age, messages by reason), alarm states,
the last items written and the functions' recent errors.

  --local          the running local pipeline (npm start -- --env NAME --watch DIR)
  --data-dir DIR   the local pipeline's data folder (default .local/NAME)
  --json           the same as JSON

Exit status: 0 healthy, 2 when a failure queue holds messages or an alarm is in ALARM, 1 on error.
Against AWS it reads outputs/NAME.json (npm run outputs) and the environment's credentials
(sqs:GetQueueAttributes/ReceiveMessage/ChangeMessageVisibility, cloudwatch:DescribeAlarms/
GetMetricData, logs:FilterLogEvents).`;

export async function main(argv: string[], write: (s: string) => void = (s) => void process.stdout.write(s)): Promise<number> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { values } = parseArgs({
    args: argv,
    options: { env: { type: 'string' }, local: { type: 'boolean', default: false }, 'data-dir': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return (write(`${USAGE}\n`), 0);
  if (!values.env) return (process.stderr.write(`--env is required\n\n${USAGE}\n`), 2);
  const d = locateDeployment(values.env, { local: values.local, dataDir: values['data-dir'] });
  const aws = d.local ? undefined : awsSources(d);
  try {
    const sources = aws ?? localSources(d.dataDir!);
    const report = await collectStatus(d, sources);
    write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report));
    const unhealthy = report.failureQueues.some((f) => f.visible + f.inFlight > 0) || (report.alarms ?? []).some((a) => a.state === 'ALARM');
    return unhealthy ? 2 : 0;
  } finally {
    aws?.close();
    d.close();
  }
}

runMain(module, main);
