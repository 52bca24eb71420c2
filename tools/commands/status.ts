import { locateDeployment } from '../deployment';
import { awsSources, collectStatus, localSources, renderStatus } from '../status/status';
import { command, sharedHelp } from '../../cli/command';
import { runMain } from '../../cli/run-main';

const USAGE = `Usage: npm run status -- --env NAME [--local] [--json]

The screen an operator reads first: the processing queue (waiting, in flight, delayed, oldest),
the dead-letter and pusher failure queues (depth, oldest age, messages by reason), alarm states,
the last items written and the functions' recent errors.

${sharedHelp('local')}
${sharedHelp('data-dir')}
${sharedHelp('json')}

Exit status: 0 healthy, 2 when a failure queue holds messages or an alarm is in ALARM, 1 on error.
Against AWS it reads outputs/NAME.json (npm run outputs) and the environment's credentials
(sqs:GetQueueAttributes/ReceiveMessage/ChangeMessageVisibility, cloudwatch:DescribeAlarms/
GetMetricData, logs:FilterLogEvents).`;

export const main = command(
  { usage: USAGE, shared: ['env', 'local', 'data-dir', 'json'], required: ['env'], aws: true },
  async ({ values, write }) => {
    const d = locateDeployment(values.env, { local: values.local, dataDir: values['data-dir'] });
    const aws = d.local ? undefined : awsSources(d);
    try {
      const sources = aws ?? localSources(d.dataDir!);
      const report = await collectStatus(d, sources);
      write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report));
      const unhealthy =
        report.failureQueues.some((f) => f.visible + f.inFlight > 0) || (report.alarms ?? []).some((a) => a.state === 'ALARM');
      return unhealthy ? 2 : 0;
    } finally {
      aws?.close();
      d.close();
    }
  },
);

runMain(module, main);
