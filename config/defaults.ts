import { DEFAULT_LAMBDA_RUNTIME } from './runtimes';
import type { PipelineConfig } from './types';

/**
 * Defaults for every field an environment file may omit. Secure and conservative:
 * deletion protection on, nothing force-destroyed, AWS's minimum redrive count.
 * `environment`, `namePrefix`, `accountId` and `region` have no default: resource
 * names and the target account are never guessed.
 */
export const CONFIG_DEFAULTS: Omit<PipelineConfig, 'environment' | 'namePrefix' | 'accountId' | 'region'> = {
  mode: 'direct',
  handleDeletes: false,
  alertEmails: [],
  runtime: DEFAULT_LAMBDA_RUNTIME,
  logRetentionDays: 30,
  logLevel: 'INFO',
  processor: {
    timeoutSeconds: 30,
    memoryMb: 512,
    batchSize: 10,
    batchingWindowSeconds: 0,
    maxConcurrency: 5,
    recordConcurrency: 10,
    reservedConcurrency: null,
  },
  pusher: {
    timeoutSeconds: 30,
    memoryMb: 256,
    maxRetryAttempts: 2,
    maxEventAgeSeconds: 3600,
    reservedConcurrency: 20,
  },
  queue: {
    maxReceiveCount: 5,
    retentionSeconds: 4 * 24 * 3600,
  },
  filters: {
    prefix: '',
    suffix: '',
    ignoredPrefixes: [],
    ignoredSuffixes: [],
    allowedContentTypes: [],
    maxSizeBytes: 0,
    minSizeBytes: 0,
  },
  alarms: {
    queueAgeThresholdSeconds: 300,
    queueDepthThreshold: 10000,
    errorThreshold: 1,
    throttleThreshold: 1,
    errorLogThreshold: 1,
    periodSeconds: 300,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    heartbeatHours: 0,
  },
  bucket: {
    forceDestroy: false,
    expireAfterDays: 0,
    noncurrentVersionExpirationDays: 30,
    accessLogging: false,
    accessLogRetentionDays: 90,
  },
  table: {
    deletionProtection: true,
  },
  // 100 batches of 1,000 in flight read ~500,000 objects/s, more than a table's default read quota serves
  // (80,000 items/s): the model is in docs/operations.md, "Reconcile at scale".
  reconcile: {
    distributed: false,
    inventory: 'Daily',
    itemsPerBatch: 1000,
    maxConcurrency: 100,
    toleratedFailurePercentage: 0,
    retentionDays: 14,
    memoryMb: 1024,
    timeoutSeconds: 60,
  },
  state: null,
  deploy: false,
  tags: {},
};
