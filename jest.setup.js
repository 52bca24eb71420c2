// A synth of a whole stack takes seconds on a loaded 2-core machine: jest's 5 s default is too tight.
jest.setTimeout(30_000);
// cdktf's toHaveResource… matchers.
require('cdktf').Testing.setupJest();
// Powertools' EMF and JSON log output would drown test reports; tests that care inject their own.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_REGION ??= 'eu-west-1';
// The machine runs Node 20; the functions run nodejs22.x, where the SDK's warning does not apply.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// cdktf records an unlimited stack trace for every token it creates (shown only if the token later
// fails to resolve), and under jest each frame of each one is source-mapped: ~15 % of a synth. Those
// captures go into plain objects (`Error.captureStackTrace({}, …)`) and are formatted plainly here;
// every trace of a real Error, test failures included, keeps its source-mapped lines.
const sourceMapped = Error.prepareStackTrace;
if (sourceMapped) {
  Error.prepareStackTrace = (target, frames) =>
    Object.prototype.toString.call(target) === '[object Error]'
      ? sourceMapped(target, frames)
      : `${target}\n${frames.map((f) => `    at ${f}`).join('\n')}`;
}
