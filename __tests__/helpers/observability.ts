import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Observability } from '../../src/app/observability';

export interface EmfDocument {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [field: string]: unknown;
}

/**
 * Real Powertools objects whose output is captured instead of printed: each EMF document a
 * `publishStoredMetrics()` would emit, and every log call as (level, message, fields).
 */
export function capturedObservability(namespace = 'FileIngestion/test', serviceName = 'processor') {
  const metrics = new Metrics({ namespace, serviceName });
  const emitted: EmfDocument[] = [];
  jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(function (this: Metrics) {
    if (metrics.hasStoredMetrics()) emitted.push(metrics.serializeMetrics() as unknown as EmfDocument);
    metrics.clearMetrics();
    return metrics;
  });
  const logger = new Logger({ serviceName, logLevel: 'SILENT' });
  const logs: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    jest.spyOn(logger, level).mockImplementation(((message: string, ...extra: Array<Record<string, unknown>>) => {
      logs.push({ level, message, fields: Object.assign({}, ...extra) });
    }) as never);
  }
  const observability: Observability = { logger, metrics, tracer: new Tracer({ enabled: false }) };
  /** `{ metricName: total }` over every emitted document: counts summed, other units counted as samples. */
  const totals = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const doc of emitted) {
      for (const m of doc._aws.CloudWatchMetrics[0]!.Metrics) {
        const values = ([] as unknown[]).concat(doc[m.Name]) as number[];
        const total = m.Unit === 'Count' ? values.reduce((a, b) => a + b, 0) : values.length;
        out[m.Name] = (out[m.Name] ?? 0) + total;
      }
    }
    return out;
  };
  return { observability, emitted, logs, totals };
}
