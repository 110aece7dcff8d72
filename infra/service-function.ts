import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { FUNCTION_DEFAULTS } from '../shared/settings.ts';
import { repositoryPath } from './paths.ts';
import { requireInteger, validationError } from './validation.ts';

/** The SDK's default credential chain, replaced in the bundles by ... */
export const CREDENTIAL_CHAIN = '@aws-sdk/credential-provider-node';
/** ... the SDK's environment provider under the same export name (relative to the repository root). */
export const ENV_CREDENTIAL_PROVIDER = 'shared/adapters/env-credential-provider.ts';

/**
 * Powertools Tracer, with the X-Ray SDK under it: imported only when tracing is
 * on (shared/adapters/tracing.ts), so it is bundled on its own, beside index.js.
 */
export const TRACER = '@aws-lambda-powertools/tracer';

/** `POWERTOOLS_SERVICE_NAME` of every function: the `service` dimension of the metrics. */
export const SERVICE_NAME = 'okta-login';
/** `POWERTOOLS_METRICS_NAMESPACE` of every function: where `LoginSuccess` and `LoginFailure` land. */
export const METRICS_NAMESPACE = 'OktaLogin';

/**
 * The Lambda options a service function may set: the subset of
 * `NodejsFunctionProps` that does not change how the code is built or run
 * (runtime, architecture, handler and bundling are the service's, see the
 * class comment), plus the role and log group, which the owner creates (see
 * `role`).
 */
export interface ServiceFunctionProps
  extends Pick<
    NodejsFunctionProps,
    'description' | 'environment' | 'memorySize' | 'reservedConcurrentExecutions' | 'timeout' | 'tracing'
  > {
  /** Entry file, relative to the repository root (see `shared/routes.ts`). */
  readonly entry: string;
  /**
   * The execution role. Required: Lambda's default role carries
   * AWSLambdaBasicExecutionRole, which may write to every log group in the
   * account; this function grants `role` write access to `logGroup` only, and
   * callers add data access with grants. The owner creates the role in its own
   * scope (a construct cannot create children before `super()`, and a
   * NodejsFunction needs its role then).
   */
  readonly role: IRole;
  /** Where the function logs; the owner sets its retention and removal policy. */
  readonly logGroup: ILogGroup;
  /**
   * Memory in MB. 512 MB is where cold init and a login's CPU time stop
   * improving much for these bundles (chosen from measurement in `npm run bench`).
   * @default `FUNCTION_DEFAULTS.memorySizeMb` (shared/settings.ts: 512)
   */
  readonly memorySize?: number;
  /**
   * Must stay below API Gateway's 29 s integration timeout; Okta calls give up after IDP_TIMEOUT_MS.
   * @default `FUNCTION_DEFAULTS.timeoutSeconds` (shared/settings.ts: 10 s)
   */
  readonly timeout?: Duration;
  /** Added to (and may override) the Powertools and Node.js variables set here. @default none */
  readonly environment?: Record<string, string>;
  /**
   * X-Ray tracing. When on (ACTIVE or PASS_THROUGH) every AWS SDK call is a
   * subsegment too (Powertools Tracer, through `POWERTOOLS_TRACE_ENABLED`);
   * off, the tracer is not even loaded.
   * @default Tracing.DISABLED
   */
  readonly tracing?: Tracing;
  /** Powertools `LOG_LEVEL`. @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /**
   * Ship source maps and run with `--enable-source-maps`, so stack traces in
   * the logs name the TypeScript files. Off by default: Node reads and parses
   * the map at cold start, which `npm run bench` measures at about a third
   * more cold init for the SDK-bearing functions.
   * @default false
   */
  readonly sourceMaps?: boolean;
}

/**
 * A NodejsFunction with this service's defaults baked in: Node.js 22 on
 * arm64, one bundle built by the local esbuild (never Docker), tree-shaken
 * with module-first main fields, minified, logging to the log group and
 * running with the role its owner gives it.
 *
 * The bundle is CommonJS: esbuild tree-shakes the ES module sources all the
 * same, and Node links one CommonJS file faster than an ES module, which
 * builds a facade for every built-in it imports (`npm run bench` measured the
 * ESM output about 2 ms slower per cold start).
 *
 * The AWS SDK v3 clients (DynamoDB, Secrets Manager) and Powertools are
 * bundled rather than taken from the runtime: tree-shaking them loads faster
 * than importing the runtime's full copy, and pins the versions the tests ran
 * against (`npm run bench` measures the cold init of these bundles).
 *
 * One build-time substitution: the SDK's default credential chain
 * (`@aws-sdk/credential-provider-node`) is replaced by its first link, the
 * SDK's environment provider (`shared/adapters/env-credential-provider.ts`).
 * Lambda puts the role's credentials in the environment, so the rest of the
 * chain (profiles, SSO, web identity, instance metadata, with their own STS
 * and SSO clients) can never answer there and only costs cold-start time.
 *
 * The role may write only to the function's log group (instead of
 * AWSLambdaBasicExecutionRole, which allows every log group in the account).
 * Callers add data access with grants.
 */
export class ServiceFunction extends NodejsFunction {
  /** Whether X-Ray tracing is on (its permissions cannot be scoped to a resource). */
  readonly activeTracing: boolean;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    // Checked before super(), which bundles: a bad prop fails at once, not after esbuild.
    const timeout = props.timeout ?? Duration.seconds(FUNCTION_DEFAULTS.timeoutSeconds);
    if (!timeout.isUnresolved() && timeout.toSeconds({ integral: false }) >= 29) {
      throw validationError(
        scope,
        'InvalidFunctionTimeout',
        `${id} timeout must be below API Gateway's 29 s, got ${timeout.toSeconds({ integral: false })} s`,
      );
    }
    const memorySize = requireInteger(
      scope,
      `${id} memorySize`,
      props.memorySize ?? FUNCTION_DEFAULTS.memorySizeMb,
      128,
      10240,
      ' MB',
    );
    const tracing = props.tracing ?? Tracing.DISABLED;
    const traced = tracing !== Tracing.DISABLED;
    // Before the function adds its own statements (X-Ray), as the role's first statement.
    props.logGroup.grantWrite(props.role);
    super(scope, id, {
      entry: repositoryPath(props.entry),
      handler: 'handler',
      projectRoot: repositoryPath('.'),
      depsLockFilePath: repositoryPath('package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize,
      timeout,
      role: props.role,
      logGroup: props.logGroup,
      // Powertools Logger writes JSON lines itself.
      loggingFormat: LoggingFormat.TEXT,
      tracing,
      ...(props.description !== undefined ? { description: props.description } : {}),
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      environment: {
        ...(props.sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        // What shared/adapters/tracing.ts reads: only then are SDK clients captured by Powertools Tracer.
        POWERTOOLS_TRACE_ENABLED: traced ? 'true' : 'false',
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        LOG_LEVEL: props.logLevel ?? 'INFO',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.CJS,
        target: 'node22',
        platform: 'node',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: props.sourceMaps ?? false,
        // NodejsFunction leaves `@aws-sdk/*` to the runtime's copy unless told otherwise: bundle it all,
        // except the tracer, which gets its own file (below).
        externalModules: [TRACER],
        esbuildArgs: {
          // Every SDK client's runtime config imports `defaultProvider` from this package as its
          // `credentialDefaultProvider`; the alias module exports that name, answering from the
          // environment, where Lambda puts the role's credentials (see the class comment).
          // Resolved from the project root, where the bundling runs.
          [`--alias:${CREDENTIAL_CHAIN}`]: `./${ENV_CREDENTIAL_PROVIDER}`,
        },
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // The tracer and the X-Ray SDK would be a quarter of an SDK function's bundle, which
          // Node parses at every cold start; in node_modules beside index.js, where its dynamic
          // import finds it, they are read only when tracing is on.
          afterBundling: (_inputDir, outputDir) => [tracerBundleCommand(outputDir)],
        },
        forceDockerBundling: false,
      },
    });
    this.activeTracing = traced;
  }
}

/** The esbuild command (the project's, as NodejsFunction runs it) that bundles the tracer into `outputDir`. */
function tracerBundleCommand(outputDir: string): string {
  const entry = fileURLToPath(import.meta.resolve(TRACER));
  const outfile = join(outputDir, 'node_modules', TRACER, 'index.js');
  return [
    'npx --no-install esbuild',
    JSON.stringify(entry),
    '--bundle --platform=node --format=cjs --target=node22 --main-fields=module,main --minify --log-level=warning',
    `--outfile=${JSON.stringify(outfile)}`,
  ].join(' ');
}
