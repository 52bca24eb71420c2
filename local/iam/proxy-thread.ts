// The IAM proxies' own thread (bundled by `enforcement.ts`): authorizing and forwarding every call
// the functions make would otherwise queue behind the uploader and the event source mapping on the
// main thread's event loop, and each call would wait there twice.
import { parentPort, workerData } from 'node:worker_threads';
import type { LocalEndpoints } from '../local-clients';
import { Authorizer } from './authorizer';
import { IamProxy } from './iam-proxy';
import type { StackPolicies } from './stack-policies';

export interface ProxyThreadData {
  policies: StackPolicies;
  region: string;
  accountId: string;
  functionNames: string[];
  upstream: LocalEndpoints;
}

export type ProxyThreadMessage =
  | { type: 'ready'; endpoints: Record<string, LocalEndpoints> }
  | { type: 'report'; report: ReturnType<Authorizer['report']>; unchecked: string[] }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

async function main(d: ProxyThreadData): Promise<void> {
  const authorizer = new Authorizer(d.policies);
  const unchecked = new Set<string>();
  const proxies: IamProxy[] = [];
  const endpoints: Record<string, LocalEndpoints> = {};
  for (const functionName of d.functionNames) {
    const out = {} as LocalEndpoints;
    for (const service of ['s3', 'sqs', 'dynamodb'] as const) {
      const proxy = new IamProxy({
        service,
        principal: { kind: 'function', functionName },
        authorizer,
        region: d.region,
        accountId: d.accountId,
        onUnchecked: (w) => unchecked.add(w),
      });
      proxies.push(proxy);
      out[service] = await proxy.start(d.upstream[service]);
    }
    endpoints[functionName] = out;
  }
  const post = (m: ProxyThreadMessage) => parentPort!.postMessage(m);
  parentPort!.on('message', async (m: { type: string }) => {
    if (m.type === 'report') post({ type: 'report', report: authorizer.report(), unchecked: [...unchecked] });
    if (m.type === 'stop') {
      await Promise.all(proxies.map((p) => p.stop()));
      post({ type: 'stopped' });
    }
  });
  post({ type: 'ready', endpoints });
}

main(workerData as ProxyThreadData).catch((e: Error) => parentPort!.postMessage({ type: 'error', message: e.stack ?? e.message }));
