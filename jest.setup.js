// cdktf's toHaveResource… matchers.
require('cdktf').Testing.setupJest();
// Powertools' EMF and JSON log output would drown test reports; tests that care inject their own.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_REGION ??= 'eu-west-1';
// The machine runs Node 20; the functions run nodejs22.x, where the SDK's warning does not apply.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
