// Tracing probe: no tracing at all (the baseline the two others are measured against).
import { probeCalls, probeClient } from './probe-calls';

const client = probeClient();
export const handler = (calls: number): Promise<void> => probeCalls(client, calls);
