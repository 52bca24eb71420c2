import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { deployedHandlerArchive, type HandlerName } from '../bundling/bundle-handler';
import { DEFAULT_LAMBDA_RUNTIME } from '../config/runtimes';
import { policyDocument, XRAY_STATEMENT, type PolicyStatement } from './policy-document';

export interface BundledFunctionProps {
  /** Which handler under `src/handlers/` to bundle. */
  handler: HandlerName;
  functionName: string;
  accountId: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
  logRetentionDays: number;
  /** What the handler calls, on exact ARNs. Logging and X-Ray statements are added here. */
  statements: PolicyStatement[];
  /** @default none */
  reservedConcurrency?: number | null;
  /** @default "arm64" — cheaper per GB-second than x86_64 for this I/O-bound code. */
  architecture?: 'arm64' | 'x86_64';
  /** The Lambda runtime; the bundle's esbuild target follows it. @default DEFAULT_LAMBDA_RUNTIME (nodejs22.x) */
  runtime?: string;
  /**
   * Lambda's `application_log_level`. Never above INFO: the EMF metric lines have no level and
   * Lambda treats them as INFO (guardrail OPS007). @default "INFO"
   */
  logLevel?: 'TRACE' | 'DEBUG' | 'INFO';
}

/**
 * A Lambda function whose code is a handler bundled with esbuild at synth time.
 *
 * Defaults it applies: arm64, nodejs22.x (the newest the pinned provider deploys), X-Ray active tracing, JSON log format, an explicit
 * log group with retention, one role per function whose inline policy is exactly `statements` plus log
 * writing to its own group and X-Ray.
 */
export class BundledFunction extends Construct {
  public readonly function: LambdaFunction;
  public readonly role: IamRole;
  public readonly policy: IamRolePolicy;
  public readonly logGroup: CloudwatchLogGroup;
  public readonly asset: TerraformAsset;

  public constructor(scope: Construct, id: string, props: BundledFunctionProps) {
    super(scope, id);
    // The zip is made once per code change (bundling/deployment-archive.ts), not by cdktf at every
    // synth; its asset keeps the hash (and so the path) cdktf gave the bundle folder.
    const archive = deployedHandlerArchive(props.handler, props.runtime ?? DEFAULT_LAMBDA_RUNTIME);
    this.asset = new TerraformAsset(this, 'code', { path: archive.file, type: AssetType.FILE, assetHash: archive.hash });

    // Created before the function: otherwise Lambda creates the group itself on first log,
    // with no retention, and Terraform then fails to create it ("already exists").
    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: `/aws/lambda/${props.functionName}`,
      retentionInDays: props.logRetentionDays,
    });

    this.role = new IamRole(this, 'role', {
      name: `${props.functionName}-role`,
      assumeRolePolicy: policyDocument([
        {
          sid: 'LambdaAssume',
          principal: { Service: 'lambda.amazonaws.com' },
          actions: ['sts:AssumeRole'],
          conditions: { StringEquals: { 'aws:SourceAccount': props.accountId } },
        },
      ]),
    });

    const policy = (this.policy = new IamRolePolicy(this, 'policy', {
      name: `${props.functionName}-policy`,
      role: this.role.id,
      policy: policyDocument([
        ...props.statements,
        {
          sid: 'WriteOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [`${this.logGroup.arn}:*`],
        },
        XRAY_STATEMENT,
      ]),
    }));

    this.function = new LambdaFunction(this, 'function', {
      functionName: props.functionName,
      role: this.role.arn,
      runtime: props.runtime ?? DEFAULT_LAMBDA_RUNTIME,
      architectures: [props.architecture ?? 'arm64'],
      handler: 'index.handler',
      filename: this.asset.path,
      // The asset's content hash, not the zip's: zips store mtimes and would redeploy on every synth.
      sourceCodeHash: this.asset.assetHash,
      timeout: props.timeoutSeconds,
      memorySize: props.memoryMb,
      reservedConcurrentExecutions: props.reservedConcurrency ?? undefined,
      tracingConfig: { mode: 'Active' },
      // JSON: Powertools' lines (and EMF) stay as they are — Powertools writes through its own Console,
      // not the runtime's patched one — and the runtime's uncaught errors get `"level": "ERROR"`, so the
      // ERROR metric filter matches `$.level` instead of a word. Timeouts are platform records without
      // a level: the Errors alarm counts them (Lambda's Errors includes timeouts), not the filter.
      loggingConfig: {
        logFormat: 'JSON',
        applicationLogLevel: props.logLevel ?? 'INFO',
        systemLogLevel: 'WARN',
        logGroup: this.logGroup.name,
      },
      environment: { variables: props.environment },
      dependsOn: [this.logGroup, policy],
    });
  }
}
