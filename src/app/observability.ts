import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AwsClients } from '../adapters/clients';
import { AccessDeniedError } from '../core/errors';
import { LogMessage, MetricName } from './telemetry-contract';

export interface Observability {
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
}

/**
 * Powertools' logger (JSON), metrics (EMF) and tracer (X-Ray). Service name and namespace
 * come from `POWERTOOLS_SERVICE_NAME` / `POWERTOOLS_METRICS_NAMESPACE`, set by the stack.
 * The tracer switches itself off outside Lambda.
 */
export function createObservability(): Observability {
  return { logger: new Logger(), metrics: new Metrics(), tracer: new Tracer() };
}

/** Ours (S3 reads), or the SDK's as DynamoDB (`AccessDeniedException`) and SQS (`AccessDenied`) raise it. */
export function isAccessDenied(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return error instanceof AccessDeniedError || name === 'AccessDeniedException' || name === 'AccessDenied';
}

/**
 * A denied call is a deployment problem, not a hiccup: it gets an ERROR line and its own metric
 * (beside the caller's transient-failure accounting), so an alarm can tell the two apart.
 */
export function reportIfAccessDenied({ logger, metrics }: Observability, error: unknown, fields: Record<string, unknown> = {}): void {
  if (!isAccessDenied(error)) return;
  metrics.addMetric(MetricName.ACCESS_DENIED, MetricUnit.Count, 1);
  logger.error(LogMessage.ACCESS_DENIED, { ...fields, error });
}

/** Every SDK call then shows up as a subsegment in the function's trace. */
export function traceClients<C extends Partial<AwsClients>>(tracer: Tracer, clients: C): C {
  return Object.fromEntries(Object.entries(clients).map(([name, client]) => [name, tracer.captureAWSv3Client(client)])) as C;
}

type Sender = { send: (...args: never[]) => unknown; destroy: () => void };

/**
 * A client whose calls are traced in sampled invocations only. Lambda samples the first invocation
 * each second and 5 % of the others (X-Ray's default rule); for the others the X-Ray SDK still builds,
 * fills and closes a subsegment per call and then drops it — about a fifth of the processor's CPU per
 * record at batch 100 (docs/benchmarks.md). Two instances of the client: one instrumented, used when
 * the invocation is sampled; one plain, used otherwise (its calls carry no trace header, as nothing of
 * an unsampled invocation is recorded). With tracing off there is one plain instance.
 */
export function sampledTracing<C extends Sender>(
  tracer: Pick<Tracer, 'isTracingEnabled' | 'isTraceSampled' | 'captureAWSv3Client'>,
  make: () => C,
): C {
  if (!tracer.isTracingEnabled()) return make();
  const traced = tracer.captureAWSv3Client(make());
  const plain = make();
  const send = (...args: Parameters<C['send']>) => (tracer.isTraceSampled() ? traced : plain).send(...args);
  const destroy = () => (traced.destroy(), plain.destroy());
  return new Proxy(traced, {
    get: (target, prop, receiver) => (prop === 'send' ? send : prop === 'destroy' ? destroy : Reflect.get(target, prop, receiver)),
  });
}
