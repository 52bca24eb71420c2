// Tracing probe: what the handlers do today — Powertools' Tracer on the X-Ray SDK, the client captured, a
// handler subsegment under Lambda's facade segment per invocation, subsegments sent to the daemon over UDP.
import { Tracer } from '@aws-lambda-powertools/tracer';
import { probeCalls, probeClient } from './probe-calls';

const tracer = new Tracer({ serviceName: 'tracing-probe' });
const client = tracer.captureAWSv3Client(probeClient());

export async function handler(calls: number): Promise<void> {
  const segment = tracer.getSegment();
  const sub = segment?.addNewSubsegment('## handler');
  if (sub) tracer.setSegment(sub);
  try {
    await probeCalls(client, calls);
  } finally {
    sub?.close();
    if (segment) tracer.setSegment(segment);
  }
}
