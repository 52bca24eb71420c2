import { startServiceDouble } from './service-double';

export interface DoubleEndpoints {
  /** By latency in ms, one double each (all three services on one port). */
  byLatency: Record<string, { dynamodb: string; s3: string; sqs: string }>;
  /** The X-Ray UDP sink (of the first double). */
  xrayDaemon: string;
}

/** Runs in the `double` server process: one service double per latency. */
export async function runDoubles(latencies: number[]): Promise<DoubleEndpoints> {
  const byLatency: DoubleEndpoints['byLatency'] = {};
  let xrayDaemon = '';
  for (const ms of latencies) {
    const d = await startServiceDouble(ms);
    byLatency[String(ms)] = { dynamodb: d.url, s3: d.url, sqs: d.url };
    xrayDaemon ||= d.xrayDaemon;
  }
  return { byLatency, xrayDaemon };
}
