// Tracing probe: OpenTelemetry in the function, the lightest way that reaches X-Ray from Lambda without a
// collector layer: spans for the invocation and each SDK call (an SDK middleware), parented to Lambda's trace
// header (X-Ray propagator and id generator), exported as OTLP protobuf over UDP to the sandbox's X-Ray daemon
// in the datagram format the ADOT Lambda layers use (`{"format":"json","version":1}\nT1S` + base64), one per span.
import { createSocket } from 'node:dgram';
import { context, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { probeCalls, probeClient } from './probe-calls';

const socket = createSocket('udp4');
socket.unref();
const [host, port] = (process.env.AWS_XRAY_DAEMON_ADDRESS ?? '127.0.0.1:2000').split(':');
const PREFIX = Buffer.from('{"format":"json","version":1}\nT1S');
const exporter: SpanExporter = {
  export(spans: ReadableSpan[], done) {
    const bytes = ProtobufTraceSerializer.serializeRequest(spans) ?? new Uint8Array();
    socket.send(Buffer.concat([PREFIX, Buffer.from(Buffer.from(bytes).toString('base64'))]), Number(port), host);
    done({ code: 0 });
  },
  shutdown: async () => undefined,
};
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracer = new BasicTracerProvider({
  idGenerator: new AWSXRayIdGenerator(),
  resource: resourceFromAttributes({
    'service.name': 'tracing-probe',
    'cloud.provider': 'aws',
    'faas.name': process.env.AWS_LAMBDA_FUNCTION_NAME ?? '',
  }),
  spanProcessors: [new SimpleSpanProcessor(exporter)],
}).getTracer('tracing-probe');
const propagator = new AWSXRayPropagator();
const client = probeClient();
client.middlewareStack.add(
  (next, ctx) => (args) =>
    tracer.startActiveSpan(
      String(ctx.commandName).replace(/Command$/, ''),
      { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'aws-api', 'rpc.service': 'DynamoDB' } },
      async (span) => {
        try {
          return await next(args);
        } finally {
          span.end();
        }
      },
    ),
  { step: 'initialize', name: 'openTelemetrySpan' },
);
const carrier = { get: (c: Record<string, string>, k: string) => c[k], keys: (c: Record<string, string>) => Object.keys(c) };

export function handler(calls: number): Promise<void> {
  const parent = propagator.extract(ROOT_CONTEXT, { 'x-amzn-trace-id': process.env._X_AMZN_TRACE_ID ?? '' }, carrier);
  return tracer.startActiveSpan('handler', {}, parent, async (span) => {
    try {
      await probeCalls(client, calls);
    } finally {
      span.end();
    }
  });
}
