import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { PROJECT_ROOT } from '../config/project-root';
import { loadConfig } from '../config/load';
import type { PipelineConfig } from '../config/types';
import { localEndpointsFile, type RunningPipelineInfo } from '../local/local-pipeline';
import { LOCAL_CREDENTIALS, localClients } from '../local/local-clients';
import { processAlive } from '../local/data-lock';

/** The resources of one deployed (or locally running) pipeline that operator commands act on. */
export interface DeployedResources {
  bucket: string;
  tableName: string;
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
  /** Pusher mode only. */
  pusherFailureQueueUrl?: string;
  pusherFunctionName?: string;
  /** With `reconcile.distributed`: the state machine and the inventory bucket. */
  reconcileStateMachineArn?: string;
  inventoryBucket?: string;
}

export interface Deployment {
  config: PipelineConfig;
  /** True for a running `npm start`, false for AWS. */
  local: boolean;
  /** The running local pipeline's data folder (local only). */
  dataDir?: string;
  resources: DeployedResources;
  s3: S3Client;
  sqs: SQSClient;
  dynamodb: DynamoDBClient;
  /** Pusher mode: a client for the pusher's Lambda API (AWS, or the local endpoint). */
  lambda?: LambdaClient;
  /** Closes every client's keep-alive sockets, so a caller in the same process is not held open. */
  close(): void;
}

const OUTPUTS = {
  bucket: 'bucket_name',
  tableName: 'table_name',
  queueUrl: 'queue_url',
  queueArn: 'queue_arn',
  deadLetterQueueUrl: 'dead_letter_queue_url',
  deadLetterQueueArn: 'dead_letter_queue_arn',
} as const;

function withClose(d: Omit<Deployment, 'close'>): Deployment {
  return {
    ...d,
    close: () =>
      [d.s3, d.sqs, d.dynamodb, d.lambda].forEach((c) => {
        c?.destroy();
      }),
  };
}

/** A running `npm start -- --env NAME --watch …`, found through the file it writes in its data folder. */
function localDeployment(env: string, dataDir?: string): Deployment {
  const dir = resolve(dataDir ?? join(PROJECT_ROOT, '.local', env));
  const file = localEndpointsFile(dir);
  if (!existsSync(file))
    throw new Error(`No local pipeline is running for "${env}" (no ${file}); start one with: npm start -- --env ${env} --watch DIR`);
  const info = JSON.parse(readFileSync(file, 'utf8')) as RunningPipelineInfo;
  // A pipeline killed (SIGKILL, a crash) leaves its endpoints file behind: its ports answer nothing.
  if (!processAlive(info.pid)) {
    throw new Error(
      `The local pipeline that wrote ${file} (pid ${info.pid}) is no longer running (killed?). Its data is kept: start it again with ` +
        `npm start -- --env ${info.environment} --watch DIR${dataDir ? ` --data-dir ${dataDir}` : ''}, or remove ${file} if you are done with it.`,
    );
  }
  if (info.environment !== env) throw new Error(`The local pipeline of ${file} runs environment "${info.environment}", not "${env}"`);
  const clients = localClients(info.endpoints, info.region);
  const r = info.resources;
  return withClose({
    // What it runs with, which a test may have built without a config file.
    config: info.config,
    local: true,
    dataDir: dir,
    resources: { ...r, pusherFunctionName: r.pusherFailureQueueUrl ? info.names.pusher : undefined },
    ...clients,
    lambda: info.lambdaEndpoint
      ? new LambdaClient({ region: info.region, endpoint: info.lambdaEndpoint, credentials: LOCAL_CREDENTIALS })
      : undefined,
  });
}

/** A deployed stack, through `outputs/NAME.json` (`npm run outputs`) and the environment's AWS credentials. */
function awsDeployment(config: PipelineConfig): Deployment {
  const env = config.environment;
  const file = join(PROJECT_ROOT, 'outputs', `${env}.json`);
  if (!existsSync(file)) throw new Error(`No ${file}: run \`npm run outputs -- --env ${env}\` first`);
  const o = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  const missing = Object.values(OUTPUTS).filter((k) => !o[k]);
  if (missing.length) throw new Error(`${file} lacks ${missing.join(', ')}: run \`npm run outputs -- --env ${env}\` again`);
  const resources = Object.fromEntries(Object.entries(OUTPUTS).map(([field, output]) => [field, o[output]!])) as Record<
    keyof typeof OUTPUTS,
    string
  >;
  const region = config.region;
  return withClose({
    config,
    local: false,
    resources: {
      ...resources,
      pusherFailureQueueUrl: o.pusher_failure_queue_url,
      pusherFunctionName: o.pusher_function_name,
      reconcileStateMachineArn: o.reconcile_state_machine_arn,
      inventoryBucket: o.inventory_bucket_name,
    },
    s3: new S3Client({ region }),
    sqs: new SQSClient({ region }),
    dynamodb: new DynamoDBClient({ region }),
    lambda: o.pusher_function_name ? new LambdaClient({ region }) : undefined,
  });
}

/** The pipeline an operator command targets: `--local` for the running local one, AWS otherwise. */
export function locateDeployment(env: string, o: { local: boolean; dataDir?: string }): Deployment {
  return o.local ? localDeployment(env, o.dataDir) : awsDeployment(loadConfig(env));
}
