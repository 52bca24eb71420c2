import { processorEnvironment } from '../../config/derive';
import { resolveConfig } from '../../config/validate';
import { BENCH_TABLE } from './servers';

/**
 * The processor's environment in the benchmarks: exactly what the stack sets
 * (`processorEnvironment` of a validated config), pointed at the bench table and DLQ.
 */
export function benchProcessorEnvironment(sqsEndpoint: string, recordConcurrency: number): Record<string, string> {
  const cfg = resolveConfig(
    { environment: 'bench', namePrefix: 'bench', accountId: '123456789012', region: 'eu-west-1', processor: { recordConcurrency } },
    'bench',
  );
  return {
    ...processorEnvironment(cfg, { tableName: BENCH_TABLE, deadLetterQueueUrl: `${sqsEndpoint}/123456789012/bench-dlq` }),
    AWS_LAMBDA_FUNCTION_NAME: 'bench-processor',
  };
}
