import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { loadConfig } from '../../config/load';
import type { PipelineConfig } from '../../config/types';
import { locateDeployment } from '../deployment';
import { renderPreflight, runPreflight, type CheckResult } from '../preflight/preflight';
import { command, sharedHelp } from '../../cli/command';
import { runMain } from '../../cli/run-main';

const USAGE = `Usage: npm run preflight -- --env NAME [--local [--data-dir DIR]] [--json]

Checks, with read-only calls, what makes a first apply fail or leaves the pipeline unwatched,
one line per check with the fix:
  credentials          they resolve to the config's accountId (the provider refuses others)
  state-bucket         the S3 state bucket exists, versioned and encrypted (else: bootstrap it)
  bucket-name          the uploads bucket's global name is free, or already this account's
  concurrency          the account keeps ≥ 100 unreserved concurrency after the functions' reservations
  alert-subscriptions  every alertEmails address confirmed its SNS subscription (after a deploy)
  runtime              the functions' Lambda runtime is not deprecated (a warning 6 months before)

  --local          against the running local pipeline's emulators (npm start -- --env NAME --watch DIR):
                   the S3 checks run there; STS, Lambda and SNS have no emulator and are skipped
${sharedHelp('data-dir')}
${sharedHelp('json')}

Exit status: 0 ready (warnings allowed), 2 when a check failed (or the options are wrong), 1 on error. Permissions on AWS:
sts:GetCallerIdentity, s3:ListBucket/GetBucketVersioning/GetEncryptionConfiguration on the state
bucket, lambda:GetAccountSettings/GetFunctionConcurrency, sns:ListSubscriptionsByTopic (the plan role has them).`;

export const main = command(
  { usage: USAGE, shared: ['env', 'local', 'data-dir', 'json'], required: ['env'], aws: true },
  async ({ values, write }) => {
    let results: CheckResult[];
    let where: string;
    let config: PipelineConfig;
    if (values.local) {
      const d = locateDeployment(values.env, { local: true, dataDir: values['data-dir'] });
      config = d.config;
      where = `local pipeline in ${d.dataDir}`;
      try {
        results = await runPreflight(config, { s3: d.s3, missingReason: 'no local emulator for this service' });
      } finally {
        d.close();
      }
    } else {
      config = loadConfig(values.env);
      where = 'AWS';
      const region = config.region;
      const clients = {
        sts: new STSClient({ region }),
        s3: new S3Client({ region, followRegionRedirects: true }),
        lambda: new LambdaClient({ region }),
        sns: new SNSClient({ region }),
      };
      try {
        results = await runPreflight(config, clients);
      } finally {
        for (const c of Object.values(clients)) c.destroy();
      }
    }
    write(
      values.json
        ? `${JSON.stringify({ environment: config.environment, target: where, checks: results }, null, 2)}\n`
        : renderPreflight(config, results, where),
    );
    return results.some((r) => r.status === 'fail') ? 2 : 0;
  },
);

runMain(module, main);
