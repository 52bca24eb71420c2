import { Worker } from 'node:worker_threads';
import { bundleHandler } from '../../bundling/bundle-handler';
import { resourceNames } from '../../config/derive';
import type { PipelineConfig } from '../../config/types';
import type { LocalEndpoints } from '../local-clients';
import { Authorizer, type AuthorizationRequest, type CallerPrincipal, type PermissionsReport } from './authorizer';
import type { ProxyThreadData, ProxyThreadMessage } from './proxy-thread';
import { stackPolicies, type StackPolicies } from './stack-policies';
import { synthesizeStack, type TerraformJson } from './synthesized-stack';

export interface EnforcementOptions {
  config: PipelineConfig;
  /** Edits the synthesized stack before its policies are read (negative tests). */
  editStack?: (json: TerraformJson) => void;
}

/** How S3 and EventBridge deliver, as AWS authorizes them: against the target's resource policy. */
export interface DeliveryEdge {
  name: string;
  request: AuthorizationRequest;
}

/**
 * The local pipeline's IAM: the stack's synthesized policies, an authorizer over them, a proxy per
 * function and service in front of the emulators, and the service-to-service edges.
 */
export class IamEnforcement {
  /** Edges and deliveries, checked on the main thread; the functions' calls are checked in the proxy thread. */
  public readonly authorizer: Authorizer;
  private readonly policies: StackPolicies;
  private thread?: { worker: Worker; endpoints: Record<string, LocalEndpoints> };
  /** The one delivery edge of this mode, checked on every delivery. */
  private readonly delivery: DeliveryEdge;
  private readonly arn: {
    queue: string;
    failureQueue: string;
    bucket: string;
    pusher: string;
    rule?: string;
    topic?: string;
    topicKey?: string;
    alarm?: string;
  };

  public constructor(
    private readonly cfg: PipelineConfig,
    editStack?: (json: TerraformJson) => void,
  ) {
    const json = synthesizeStack(cfg);
    editStack?.(json);
    const policies = (this.policies = stackPolicies(json, cfg));
    this.authorizer = new Authorizer(policies);
    const n = resourceNames(cfg);
    const sqsArn = (name: string) => `arn:aws:sqs:${cfg.region}:${cfg.accountId}:${name}`;
    this.arn = {
      queue: sqsArn(n.queue),
      failureQueue: sqsArn(n.pusherFailureQueue),
      bucket: `arn:aws:s3:::${n.bucket}`,
      pusher: `arn:aws:lambda:${cfg.region}:${cfg.accountId}:function:${n.pusher}`,
      rule: policies.arns.eventRule,
      topic: policies.arns.topic,
      topicKey: policies.arns.topicKey,
      alarm: policies.arns.alarms[0],
    };
    this.delivery = this.deliveryEdge();
  }

  /**
   * Starts the proxies, in a thread of their own: for every function of the stack and every
   * service, an endpoint that authorizes each call as that function's role before `upstream`.
   */
  public async start(upstream: LocalEndpoints): Promise<void> {
    const bundle = bundleHandler({
      entry: 'local/iam/proxy-thread.ts',
      outDir: '.build/local/iam-proxy-thread',
      minify: false,
      externalPackages: ['@cloud-copilot/*'],
    });
    const data: ProxyThreadData = {
      policies: this.policies,
      region: this.cfg.region,
      accountId: this.cfg.accountId,
      functionNames: Object.keys(this.policies.functions),
      upstream,
    };
    const worker = new Worker(bundle.file, { workerData: data });
    const endpoints = await new Promise<Record<string, LocalEndpoints>>((resolve, reject) => {
      const onMessage = (m: ProxyThreadMessage) => {
        if (m.type === 'ready') resolve(m.endpoints);
        if (m.type === 'error') reject(new Error(`The IAM proxy thread failed to start: ${m.message}`));
        if (m.type === 'ready' || m.type === 'error') worker.off('message', onMessage);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    this.thread = { worker, endpoints };
  }

  /** Endpoints for one function: each service through a proxy that authorizes as its role. */
  public functionEndpoints(functionName: string): LocalEndpoints {
    const endpoints = this.thread?.endpoints[functionName];
    if (!endpoints) throw new Error(`No IAM proxies for "${functionName}": is it in the synthesized stack, and was start() called?`);
    return endpoints;
  }

  /** S3 → the processing queue (direct), S3 → the pusher (pusher), EventBridge → the queue (eventbridge). */
  private deliveryEdge(): DeliveryEdge {
    const account = { 'aws:SourceAccount': this.cfg.accountId };
    if (this.cfg.mode === 'pusher') {
      return {
        name: 'S3 → pusher (lambda:InvokeFunction)',
        request: {
          principal: service('s3.amazonaws.com', 'S3 notifications'),
          action: 'lambda:InvokeFunction',
          resource: this.arn.pusher,
          context: { 'aws:SourceArn': this.arn.bucket, ...account },
        },
      };
    }
    if (this.cfg.mode === 'eventbridge') {
      return {
        name: 'EventBridge rule → queue (sqs:SendMessage)',
        request: {
          principal: service('events.amazonaws.com', 'EventBridge rule'),
          action: 'sqs:SendMessage',
          resource: this.arn.queue,
          context: { 'aws:SourceArn': this.arn.rule ?? '', ...account },
        },
      };
    }
    return {
      name: 'S3 → queue (sqs:SendMessage)',
      request: {
        principal: service('s3.amazonaws.com', 'S3 notifications'),
        action: 'sqs:SendMessage',
        resource: this.arn.queue,
        context: { 'aws:SourceArn': this.arn.bucket, ...account },
      },
    };
  }

  /** Whether a delivery is authorized now (counted in the report). */
  public async deliveryAllowed(): Promise<{ allowed: boolean; message: string }> {
    const d = await this.authorizer.check(this.delivery.request);
    return { allowed: d.allowed, message: d.message };
  }

  /**
   * The edges AWS checks when it creates them, checked once: the delivery, the event source
   * mapping (the processor's role must receive, delete and read attributes), the pusher's
   * on-failure destination (its role sends), and the alarm path (CloudWatch publishes to the topic
   * and uses its KMS key), which never fires locally but is reported.
   */
  public async checkEdges(): Promise<{ mappingAllowed: boolean }> {
    const n = resourceNames(this.cfg);
    const edge = async (name: string, requests: AuthorizationRequest[]) => {
      const denied = [];
      for (const r of requests) {
        const d = await this.authorizer.check(r);
        if (!d.allowed) denied.push(d.message);
      }
      this.authorizer.edges.push({ edge: name, allowed: denied.length === 0, detail: denied.join('; ') || 'allowed' });
      return denied.length === 0;
    };
    const delivery = this.delivery;
    await edge(delivery.name, [delivery.request]);
    const processor: CallerPrincipal = { kind: 'function', functionName: n.processor };
    const mappingAllowed = await edge(
      'event source mapping (processor role: sqs:ReceiveMessage, DeleteMessage, GetQueueAttributes)',
      ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'].map((action) => ({
        principal: processor,
        action,
        resource: this.arn.queue,
      })),
    );
    if (this.cfg.mode === 'pusher') {
      await edge('pusher on-failure destination (pusher role: sqs:SendMessage)', [
        { principal: { kind: 'function', functionName: n.pusher }, action: 'sqs:SendMessage', resource: this.arn.failureQueue },
      ]);
    }
    if (this.arn.topic) {
      const cloudwatch = service('cloudwatch.amazonaws.com', 'CloudWatch alarms');
      const context = { 'aws:SourceArn': this.arn.alarm ?? '', 'aws:SourceAccount': this.cfg.accountId };
      await edge('alarms → topic (sns:Publish, and the topic key: kms:GenerateDataKey, kms:Decrypt); not fired locally', [
        { principal: cloudwatch, action: 'sns:Publish', resource: this.arn.topic, context },
        ...(this.arn.topicKey
          ? ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
              principal: cloudwatch,
              action,
              resource: this.arn.topicKey!,
              context,
            }))
          : []),
      ]);
    }
    return { mappingAllowed };
  }

  /** What the main thread and the proxy thread authorized and denied, together. */
  public async report(): Promise<PermissionsReport & { unchecked: string[] }> {
    const main = this.authorizer.report(true);
    const fromThread = this.thread ? await this.ask<Extract<ProxyThreadMessage, { type: 'report' }>>('report') : undefined;
    if (!fromThread) return { ...main, unchecked: [] };
    const allowed = new Map<string, { caller: string; action: string; count: number }>();
    for (const a of [...main.allowed, ...fromThread.report.allowed]) {
      const k = `${a.caller} ${a.action}`;
      allowed.set(k, { ...a, count: (allowed.get(k)?.count ?? 0) + a.count });
    }
    return {
      ...main,
      allowed: [...allowed.values()].sort((a, b) => `${a.caller} ${a.action}`.localeCompare(`${b.caller} ${b.action}`)),
      denied: [...main.denied, ...fromThread.report.denied],
      unchecked: fromThread.unchecked.sort(),
    };
  }

  public async stop(): Promise<void> {
    if (!this.thread) return;
    const { worker } = this.thread;
    this.thread = undefined;
    await Promise.race([this.askOf(worker, 'stop'), new Promise((r) => setTimeout(r, 2000))]);
    await worker.terminate();
  }

  private ask<T extends ProxyThreadMessage>(type: 'report' | 'stop'): Promise<T> {
    return this.askOf(this.thread!.worker, type) as Promise<T>;
  }

  private askOf(worker: Worker, type: 'report' | 'stop'): Promise<ProxyThreadMessage> {
    const answer = type === 'report' ? 'report' : 'stopped';
    return new Promise((resolve) => {
      const onMessage = (m: ProxyThreadMessage) => {
        if (m.type !== answer) return;
        worker.off('message', onMessage);
        resolve(m);
      };
      worker.on('message', onMessage);
      worker.postMessage({ type });
    });
  }
}

const service = (name: string, label: string): CallerPrincipal => ({ kind: 'service', service: name, label });
