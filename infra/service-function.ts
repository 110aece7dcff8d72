import { Duration } from 'aws-cdk-lib';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { repositoryPath } from './paths.ts';

export interface ServiceFunctionProps {
  /** Entry file, relative to the repository root (see `shared/routes.ts`). */
  readonly entry: string;
  readonly environment?: Record<string, string>;
  /**
   * Memory in MB. 512 MB is where cold init and a login's CPU time stop
   * improving much for these bundles (see `npm run bench`).
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Must stay below API Gateway's 29 s integration timeout; Okta calls give up after IDP_TIMEOUT_MS.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** X-Ray active tracing. @default false */
  readonly tracing?: boolean;
}

/**
 * A NodejsFunction with this service's defaults baked in: Node.js 22 on
 * arm64, an ESM bundle built by the local esbuild (never Docker), tree-shaken
 * with module-first main fields, minified, with source maps, its own log
 * group with retention. The AWS SDK is bundled rather than taken from the
 * runtime: tree-shaking the few clients we use loads faster than the
 * runtime's full copy, and pins the version we test.
 */
export class ServiceFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const timeout = props.timeout ?? Duration.seconds(10);
    if (timeout.toSeconds() >= 29) {
      throw new TypeError(`ServiceFunction timeout must be below API Gateway's 29 s, got ${timeout.toSeconds()} s`);
    }
    const memorySize = props.memorySize ?? 512;
    if (memorySize < 128 || memorySize > 10240) {
      throw new TypeError(`ServiceFunction memorySize must be 128-10240 MB, got ${memorySize}`);
    }
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: props.logRetention ?? RetentionDays.ONE_MONTH });
    super(scope, id, {
      entry: repositoryPath(props.entry),
      handler: 'handler',
      projectRoot: repositoryPath('.'),
      depsLockFilePath: repositoryPath('package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize,
      timeout,
      logGroup,
      loggingFormat: LoggingFormat.TEXT,
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'okta-login',
        POWERTOOLS_METRICS_NAMESPACE: 'OktaLogin',
        LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        platform: 'node',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        externalModules: [],
        forceDockerBundling: false,
        // CommonJS dependencies inside an ESM bundle still call require().
        banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
    });
  }
}
