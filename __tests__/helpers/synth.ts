import { Testing } from 'cdktf';
import type { PipelineConfig } from '../../config/types';
import { PipelineStack } from '../../stacks/pipeline-stack';

export interface Synthesized {
  /** The stack as cdktf's matchers take it. */
  json: string;
  parsed: {
    resource: Record<string, Record<string, Record<string, unknown>>>;
    output: Record<string, { value: unknown }>;
    terraform: Record<string, unknown>;
    provider: Record<string, Array<Record<string, unknown>>>;
  };
  stack: PipelineStack;
}

export function synthPipeline(cfg: PipelineConfig): Synthesized {
  const app = Testing.app();
  const stack = new PipelineStack(app, cfg);
  const json = Testing.synth(stack);
  return { json, parsed: JSON.parse(json), stack };
}

/** The single resource of a type (fails when there are several), or the one whose id contains `idPart`. */
export function resourceOf(s: Synthesized, type: string, idPart?: string): Record<string, unknown> & { id: string } {
  const all = Object.entries(s.parsed.resource[type] ?? {}).filter(([id]) => idPart === undefined || id.includes(idPart));
  if (all.length !== 1)
    throw new Error(`expected one ${type}${idPart ? ` matching ${idPart}` : ''}, found ${all.map(([id]) => id).join(', ') || 'none'}`);
  const [id, body] = all[0]!;
  return { ...body, id };
}

export const resourcesOf = (s: Synthesized, type: string): Array<Record<string, unknown> & { id: string }> =>
  Object.entries(s.parsed.resource[type] ?? {}).map(([id, body]) => ({ ...body, id }));

/** `${aws_sqs_queue.<id>.arn}`: how one resource refers to another in synthesized JSON. */
export const ref = (type: string, id: string, attr: string): string => `\${${type}.${id}.${attr}}`;

export interface PolicyDoc {
  Statement: Array<{
    Sid: string;
    Effect: string;
    Action: string | string[];
    Resource?: string | string[];
    Principal?: unknown;
    Condition?: Record<string, Record<string, unknown>>;
  }>;
}
export const policyOf = (r: Record<string, unknown>, field = 'policy'): PolicyDoc => JSON.parse(r[field] as string) as PolicyDoc;
export const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
