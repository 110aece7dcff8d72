import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type HttpApi, type HttpMethod, HttpRoute, HttpRouteKey } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AUTHORIZER_ENTRY, FUNCTION_ENTRIES, type FunctionName } from '../shared/routes.ts';
import { type CustomDomainProps, LoginHttpApi } from './http-api.ts';
import { LoginTable } from './login-table.ts';
import { LoginMonitoring } from './monitoring.ts';
import { LoginSecrets } from './secrets.ts';
import { ServiceFunction } from './service-function.ts';

export interface LoginServiceProps {
  /** Origins `target_link_uri` may point to, for every tenant. @default none: same-origin paths only */
  readonly allowedRedirectOrigins?: readonly string[];
  /** Where users land after login by default. @default '/' */
  readonly defaultRedirectPath?: string;
  /** Absolute session lifetime. @default Duration.hours(8) */
  readonly sessionTtl?: Duration;
  /** Idle timeout; Duration.seconds(0) turns it off. @default Duration.hours(1) */
  readonly sessionIdleTimeout?: Duration;
  /** @default the execute-api URL */
  readonly customDomain?: CustomDomainProps;
  /**
   * Development stacks: the table is destroyed with the stack and has no
   * deletion protection. Never for production.
   * @default false
   */
  readonly dev?: boolean;
  /** @default 200 requests per second */
  readonly throttlingRateLimit?: number;
  /** @default 400 */
  readonly throttlingBurstLimit?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** X-Ray active tracing on the functions. @default false */
  readonly tracing?: boolean;
  /** Where alarms notify. @default no action */
  readonly alarmTopic?: ITopic;
  /** @default 'okta-login/client-secret/' */
  readonly clientSecretPrefix?: string;
  /** Memory of every function in MB. @default 512 */
  readonly memorySize?: number;
  /** Days audit events are kept. @default 400 */
  readonly auditRetentionDays?: number;
  /**
   * The app's own routes to serve on this API behind the session authorizer:
   * each function receives the caller's tenant, user and roles in
   * `requestContext.authorizer.lambda`.
   * @default none
   */
  readonly protectedRoutes?: readonly ProtectedRoute[];
}

export interface ProtectedRoute {
  /** e.g. `/api/projects/{id}` */
  readonly path: string;
  readonly method: HttpMethod;
  readonly handler: IFunction;
}

/**
 * The whole login service as one construct another CDK app can import:
 * table, secrets, functions (one per route group plus the session
 * authorizer), HTTP API and alarms, with least-privilege grants.
 */
export class LoginService extends Construct {
  readonly table: TableV2;
  readonly secrets: LoginSecrets;
  readonly httpApi: LoginHttpApi;
  readonly functions: Record<FunctionName | 'authorizer', ServiceFunction>;
  readonly monitoring: LoginMonitoring;

  /** The HTTP API, e.g. to attach the app's own routes with `authorizer`. */
  get api(): HttpApi {
    return this.httpApi.api;
  }

  constructor(scope: Construct, id: string, props: LoginServiceProps = {}) {
    super(scope, id);
    for (const origin of props.allowedRedirectOrigins ?? []) {
      const url = URL.parse(origin);
      if (!url || url.protocol !== 'https:' || url.origin !== origin) {
        throw new TypeError(
          `allowedRedirectOrigins entries must be https origins like https://app.example.com, got "${origin}"`,
        );
      }
    }
    const sessionTtl = props.sessionTtl ?? Duration.hours(8);
    const idle = props.sessionIdleTimeout ?? Duration.hours(1);
    if (sessionTtl.toSeconds() < 60)
      throw new TypeError(`sessionTtl must be at least 60 s, got ${sessionTtl.toSeconds()} s`);

    this.table = new LoginTable(this, 'Table', {
      removalPolicy: props.dev ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    }).table;
    this.secrets = new LoginSecrets(this, 'Secrets', {
      ...(props.clientSecretPrefix ? { clientSecretPrefix: props.clientSecretPrefix } : {}),
    });

    const common = {
      TABLE_NAME: this.table.tableName,
      ALLOWED_REDIRECT_ORIGINS: (props.allowedRedirectOrigins ?? []).join(','),
      DEFAULT_REDIRECT_PATH: props.defaultRedirectPath ?? '/',
      SESSION_TTL_SECONDS: String(sessionTtl.toSeconds()),
      SESSION_IDLE_TIMEOUT_SECONDS: String(idle.toSeconds()),
      AUDIT_RETENTION_DAYS: String(props.auditRetentionDays ?? 400),
      ...(props.customDomain ? { PUBLIC_URL: `https://${props.customDomain.domainName}` } : {}),
    };
    const make = (name: string, entry: string, environment: Record<string, string> = {}) =>
      new ServiceFunction(this, `${name[0]?.toUpperCase()}${name.slice(1)}Function`, {
        entry,
        environment: { ...common, ...environment },
        ...(props.memorySize ? { memorySize: props.memorySize } : {}),
        ...(props.logRetention ? { logRetention: props.logRetention } : {}),
        ...(props.tracing ? { tracing: true } : {}),
      });

    this.functions = {
      login: make('login', FUNCTION_ENTRIES.login, {
        CLIENT_SECRET_PREFIX: this.secrets.clientSecretPrefix,
        STATE_KEY_SECRET_ID: this.secrets.stateKey.secretArn,
      }),
      session: make('session', FUNCTION_ENTRIES.session),
      health: make('health', FUNCTION_ENTRIES.health),
      whoami: make('whoami', FUNCTION_ENTRIES.whoami),
      authorizer: make('authorizer', AUTHORIZER_ENTRY),
    };

    // Least privilege: each function gets the table actions it uses, nothing else.
    const { login, session, authorizer } = this.functions;
    this.table.grant(
      login,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    );
    this.secrets.stateKey.grantRead(login);
    this.secrets.grantReadClientSecrets(login);
    this.table.grant(
      session,
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
    );
    this.table.grant(authorizer, 'dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem');

    this.httpApi = new LoginHttpApi(this, 'Http', {
      functions: this.functions,
      authorizerFunction: authorizer,
      ...(props.throttlingRateLimit ? { throttlingRateLimit: props.throttlingRateLimit } : {}),
      ...(props.throttlingBurstLimit ? { throttlingBurstLimit: props.throttlingBurstLimit } : {}),
      ...(props.customDomain ? { customDomain: props.customDomain } : {}),
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    for (const [index, route] of (props.protectedRoutes ?? []).entries()) {
      if (!route.path.startsWith('/')) {
        throw new TypeError(`protectedRoutes paths must start with "/", got "${route.path}"`);
      }
      new HttpRoute(this, `ProtectedRoute${index}`, {
        httpApi: this.httpApi.api,
        routeKey: HttpRouteKey.with(route.path, route.method),
        integration: new HttpLambdaIntegration(`ProtectedIntegration${index}`, route.handler),
        authorizer: this.httpApi.authorizer,
      });
    }
    this.monitoring = new LoginMonitoring(this, 'Monitoring', {
      api: this.httpApi.api,
      functions: this.functions,
      ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
    });
  }
}
