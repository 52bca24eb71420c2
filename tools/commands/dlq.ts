import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { locateDeployment, type Deployment } from '../deployment';
import { dlqStats, peekDeadLetters, redrive, type QueuePair } from '../dlq/dlq-operations';
import { replayFailures, type ReplayTarget } from '../dlq/replay';
import { command, sharedHelp, UsageError } from '../../cli/command';
import { runMain } from '../../cli/run-main';

const USAGE = `Usage: npm run dlq -- stats|peek|redrive|replay --env NAME [--local] [--max N] [--json]

  stats     depth, age of the oldest message, messages by reason
  peek      the first N messages (default 10) with their reason, without consuming them
  redrive   move every DLQ message back to the processing queue (StartMessageMoveTask, or
            receive → send → delete where unsupported; nothing is deleted before its copy is sent)
  replay    pusher mode: invoke the pusher again with every S3 event in its failure queue
            (asynchronously, as S3 does); a record is deleted once Lambda accepted it

Queues come from outputs/NAME.json (npm run outputs) against AWS, or with --local from the
running local pipeline (npm start -- --watch …) of that environment.
${sharedHelp('local')}
${sharedHelp('data-dir')}
  --max N          peek: how many messages (default 10)
${sharedHelp('json')}`;

const SUBCOMMANDS = ['stats', 'peek', 'redrive', 'replay'];

interface Target {
  sqs: SQSClient;
  queues: QueuePair;
  /** Pusher mode: what `replay` needs. */
  replay?: { lambda: LambdaClient; target: ReplayTarget };
}

function target(d: Deployment): Target {
  const r = d.resources;
  return {
    sqs: d.sqs,
    queues: r,
    replay:
      d.lambda && r.pusherFailureQueueUrl && r.pusherFunctionName
        ? { lambda: d.lambda, target: { failureQueueUrl: r.pusherFailureQueueUrl, functionName: r.pusherFunctionName } }
        : undefined,
  };
}

const SPEC = {
  usage: USAGE,
  shared: ['env', 'local', 'data-dir', 'json'],
  options: { max: { type: 'string' } },
  required: ['env'],
  positionals: true,
  aws: true,
} as const;

export const main = command(SPEC, async ({ values, positionals, write }) => {
  const [subcommand, ...extra] = positionals;
  if (!subcommand || !SUBCOMMANDS.includes(subcommand))
    throw new UsageError(
      subcommand ? `"${subcommand}" is not one of ${SUBCOMMANDS.join(', ')}` : `say what to do: ${SUBCOMMANDS.join(', ')}`,
    );
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const max = values.max === undefined ? 10 : Number(values.max);
  if (!Number.isInteger(max) || max < 1) throw new UsageError(`--max must be a positive integer (got "${values.max}")`);
  const deployment = locateDeployment(values.env, { local: values.local, dataDir: values['data-dir'] });
  try {
    return await runCommand(
      subcommand,
      values.env,
      target(deployment),
      { json: values.json, max, maxGiven: values.max !== undefined, mode: deployment.config.mode },
      write,
    );
  } finally {
    deployment.close();
  }
});

async function runCommand(
  command: string,
  env: string,
  { sqs, queues, replay }: Target,
  o: { json: boolean; max: number; maxGiven: boolean; mode: string },
  write: (s: string) => void,
): Promise<number> {
  const mode = o.mode;
  const out = (human: string, data: unknown) => write(o.json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`);
  if (command === 'stats') {
    const s = await dlqStats(sqs, queues);
    const oldest =
      s.oldestAgeSeconds === null ? (s.visible + s.inFlight > 0 ? 'not read (all in flight)' : '– (empty)') : `${s.oldestAgeSeconds} s`;
    const basis = s.sampled
      ? `reasons of a sample: the ${s.read} message(s) read of ${s.visible + s.inFlight}`
      : `reasons of all ${s.read} message(s)`;
    const copies =
      s.duplicateCopies > 0
        ? `; ${s.duplicateCopies} are extra copies of a part already counted (a handler died between its DLQ send and its delete)`
        : '';
    out(
      `DLQ ${queues.deadLetterQueueUrl}\n  visible ${s.visible} · in flight ${s.inFlight} · oldest ${oldest}\n  ${basis}, ${s.distinct} distinct part(s)${copies}\n` +
        Object.entries(s.byReason)
          .map(([r, n]) => `  ${n} × ${r}`)
          .join('\n'),
      s,
    );
  } else if (command === 'peek') {
    const letters = await peekDeadLetters(sqs, queues, o.max);
    out(
      letters.length === 0
        ? 'The DLQ is empty.'
        : letters
            .map(
              (d) =>
                `${d.messageId}  ${d.reason}${d.copies > 1 ? ` (${d.copies} copies)` : ''}  ${d.keys.map((k) => JSON.stringify(k)).join(', ') || '–'}\n  ${d.detail ?? ''}\n  body: ${d.body.slice(0, 200)}`,
            )
            .join('\n'),
      letters,
    );
  } else if (command === 'replay') {
    if (!replay) {
      throw new Error(
        mode !== 'pusher'
          ? `"${env}" is in ${mode} mode: replay re-invokes the pusher with the events in its failure queue, which only pusher mode has. Dead letters of ${mode} mode go back with: npm run dlq -- redrive --env ${env}`
          : `"${env}" is in pusher mode, but its failure queue is not known: run \`npm run outputs -- --env ${env}\` after deploying it`,
      );
    }
    const r = await replayFailures(sqs, replay.lambda, replay.target, o.maxGiven ? o.max : Number.POSITIVE_INFINITY);
    out(
      `Replayed ${r.replayed} failed event(s) through ${replay.target.functionName}.` +
        (r.left.length
          ? `\n${r.left.length} left in ${replay.target.failureQueueUrl}:\n${r.left.map((l) => `  ${l.messageId}: ${l.why}`).join('\n')}`
          : ''),
      r,
    );
    return r.left.length > 0 ? 1 : 0;
  } else {
    const r = await redrive(sqs, queues);
    out(
      `Redrove ${r.moved} message(s) to ${queues.queueUrl} via ${r.method}${r.duplicatesDropped ? `; ${r.duplicatesDropped} extra copies of parts already moved were deleted` : ''}${r.failed ? `; ${r.failed} could not be sent and stay in the DLQ` : ''}.`,
      r,
    );
    return r.failed > 0 ? 1 : 0;
  }
  return 0;
}

runMain(module, main);
