import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type HttpApi, type HttpMethod, HttpRoute, HttpRouteKey } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IFunction, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AUTHORIZER_ENTRY, FUNCTION_ENTRIES, KEY_ROTATION_ENTRY } from '../shared/routes.ts';
import { type CustomDomainProps, LoginHttpApi } from './http-api.ts';
import { LoginTable } from './login-table.ts';
import { LoginMonitoring } from './monitoring.ts';
import { LoginSecrets } from './secrets.ts';
import { type ServiceFunctionName, serviceEnvironments } from './service-environment.ts';
import { METRICS_NAMESPACE, SERVICE_NAME, ServiceFunction } from './service-function.ts';
import { resolveServiceSettings, type ServiceSettings } from './service-settings.ts';
import { SessionSigningKeys } from './session-keys.ts';

/**
 * The service's settings. Defaults and ranges of the ones the functions read
 * (durations, `auditRetentionDays`, `functionTimeout`, `memorySize`) are those
 * of `shared/settings.ts` (`SETTINGS`, `FUNCTION_DEFAULTS`), the one place
 * they are written; the values below are quoted from there.
 */
export interface LoginServiceProps {
  /** Origins `target_link_uri` may point to, for every tenant. @default none: same-origin paths only */
  readonly allowedRedirectOrigins?: readonly string[];
  /**
   * A path on the service's own origin where users land after login when
   * neither the tile, the tenant's default redirect nor `appUrl` says where.
   * @default none: the built-in signed-in page (`/signed-in`)
   */
  readonly defaultRedirectPath?: string;
  /**
   * The app users land on after a tile login when neither the tile
   * (`target_link_uri`) nor the tenant's default redirect says otherwise:
   * an https origin plus an optional path, e.g. `https://app.example.com/home`.
   * Its origin may also read the session through CORS (`/me`,
   * `/session/token`, `/logout`) and is an allowed redirect origin.
   *
   * The app must be on the same site as the login service (same registrable
   * domain by the public suffix list), so it needs `customDomain`: the session
   * cookie is `SameSite=Lax` on the login host, and the default
   * `*.execute-api.<region>.amazonaws.com` host is never the same site as an
   * app. `cdk synth` fails otherwise, saying why.
   * @default none: users land on `defaultRedirectPath`, else the built-in signed-in page
   */
  readonly appUrl?: string;
  /**
   * More origins of the app (besides `appUrl`'s) that may read the session
   * through CORS, for every tenant: exact https origins, on the same site as
   * the login service, like `appUrl`. Every listed origin is inside the
   * session's trust boundary (its scripts can get session tokens while the
   * session lives): list as few as possible.
   * @default none
   */
  readonly appOrigins?: readonly string[];
  /**
   * The `aud` of session tokens (`GET /session/token`): what the app's
   * verifier (jose, API Gateway's JWT authorizer) requires. Any absolute URI,
   * kept exactly as written. Never derived from a request.
   * @default `appUrl`'s origin; without either, `/session/token` answers 503
   */
  readonly appAudience?: string;
  /** Lifetime of a session token (capped by the session's own expiry), 60 s to 15 min. @default Duration.minutes(5) */
  readonly sessionTokenTtl?: Duration;
  /** How long a signing key signs before the scheduled rotation adds the next one, 1 to 365 days. @default Duration.days(30) */
  readonly signingKeyRotation?: Duration;
  /**
   * How long a new signing key is published before it signs: at least the
   * longest cache of any verifier of the key set (API Gateway's JWT
   * authorizer: up to 2 h) plus `secretsCacheTtl`, so no verifier meets a
   * `kid` it has not fetched.
   * @default Duration.seconds(7500) (2 h + 5 min)
   */
  readonly signingKeyPublicationDelay?: Duration;
  /** Absolute session lifetime. @default Duration.hours(8) */
  readonly sessionTtl?: Duration;
  /** Idle timeout; Duration.seconds(0) turns it off. @default Duration.hours(1) */
  readonly sessionIdleTimeout?: Duration;
  /** Time a user has for the round trip to Okta before the login state expires. @default Duration.minutes(10) */
  readonly loginStateTtl?: Duration;
  /**
   * Timeout of each call to a tenant's Okta (discovery, JWKS, token); must be
   * below `functionTimeout`.
   * @default Duration.seconds(5)
   */
  readonly idpTimeout?: Duration;
  /** How long functions keep secrets (client secrets, state key) in memory. @default Duration.minutes(5) */
  readonly secretsCacheTtl?: Duration;
  /** Timeout of every function; below API Gateway's 29 s. @default `FUNCTION_DEFAULTS.timeoutSeconds` (10 s) */
  readonly functionTimeout?: Duration;
  /** @default the execute-api URL */
  readonly customDomain?: CustomDomainProps;
  /**
   * What happens to the table and the log groups when they leave the stack
   * (stack deleted, or the construct removed). `RETAIN` keeps them and turns
   * the table's deletion protection on; `DESTROY` deletes them, the table
   * without deletion protection: for development stacks only (the CDK app's
   * `-c dev=true`). The login-state key is always deleted with the stack: it
   * only seals 10-minute cookies.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /** @default 200 requests per second */
  readonly throttlingRateLimit?: number;
  /** @default 400 */
  readonly throttlingBurstLimit?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** X-Ray active tracing on the functions. @default false */
  readonly tracing?: boolean;
  /** Source maps in stack traces, at a cold-start cost (see `ServiceFunctionProps.sourceMaps`). @default false */
  readonly sourceMaps?: boolean;
  /** Where alarms notify. @default no action */
  readonly alarmTopic?: ITopic;
  /** @default 'okta-login/client-secret/' */
  readonly clientSecretPrefix?: string;
  /** Memory of every function in MB (chosen from `npm run bench`). @default `FUNCTION_DEFAULTS.memorySizeMb` (512) */
  readonly memorySize?: number;
  /** Days audit events are kept, 1 to 3650. @default `SETTINGS.auditRetentionDays` (400) */
  readonly auditRetentionDays?: number;
  /**
   * The app's own routes to serve on this API behind the session authorizer:
   * each function receives the caller's tenant, user and roles in
   * `requestContext.authorizer.lambda`.
   * @default none
   */
  readonly protectedRoutes?: readonly ProtectedRoute[];
  /**
   * Lets the app's own credential through the authorizer besides the session
   * cookie: a JWT (`Authorization: Bearer`) from the app's issuer, verified
   * with jose against its JWKS, for the tenant it names. Tenants with
   * `--sso-enforced` still refuse it.
   * @default none: only the session cookie is accepted
   */
  readonly appCredentials?: AppCredentialsProps;
  /**
   * Add `preload` to the HSTS header. Only for a domain you have submitted (or
   * will submit) to the browsers' preload list: it commits every subdomain to
   * HTTPS for years.
   * @default false
   */
  readonly hstsPreload?: boolean;
}

export interface AppCredentialsProps {
  /** Exact `iss` of the app's tokens (https). */
  readonly issuer: string;
  /** `aud` the tokens must carry. */
  readonly audience: string;
  /** The issuer's JWKS (https). */
  readonly jwksUri: string;
  /** Claim naming the tenant. @default 'tenant' */
  readonly tenantClaim?: string;
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
  /** The keys that sign session tokens: private set, rotation schedule, grants. */
  readonly signingKeys: SessionSigningKeys;
  readonly httpApi: LoginHttpApi;
  /** Every function: one per route group of `shared/routes.ts`, the session authorizer and the key rotation. */
  readonly functions: Record<ServiceFunctionName, ServiceFunction>;
  /**
   * The session tokens' `iss` and the discovery document's `issuer` (the
   * functions' `PUBLIC_URL`): the custom domain's https origin, else the
   * API's default endpoint (`https://<api-id>.execute-api.<region>.amazonaws.com`).
   */
  readonly issuer: string;
  readonly monitoring: LoginMonitoring;

  /** The HTTP API, e.g. to attach the app's own routes with `authorizer`. */
  get api(): HttpApi {
    return this.httpApi.api;
  }

  constructor(scope: Construct, id: string, props: LoginServiceProps = {}) {
    super(scope, id);
    // Every prop checked now, with its name, and the defaults of shared/settings.ts filled in.
    const settings = resolveServiceSettings(this, props);
    const { removalPolicy } = settings;
    const loginTable = new LoginTable(this, 'Table', { removalPolicy });
    this.table = loginTable.table;
    this.secrets = new LoginSecrets(this, 'Secrets', {
      ...(props.clientSecretPrefix !== undefined ? { clientSecretPrefix: props.clientSecretPrefix } : {}),
    });
    this.functions = this.#createFunctions(props, settings);
    this.#grantDataAccess(loginTable);
    // The private keys: a secret generated in AWS by the rotation. Only the token function reads
    // it; the key-set function reads the public item, on the SIGNING_KEYS partition only.
    this.signingKeys = new SessionSigningKeys(this, 'SigningKeys', {
      table: loginTable,
      rotationFunction: this.functions.keyRotation,
      removalPolicy,
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });
    this.signingKeys.grantSign(this.functions.sessionToken);
    this.signingKeys.grantReadPublicKeys(this.functions.publicKeys);

    this.httpApi = new LoginHttpApi(this, 'Http', {
      functions: this.functions,
      authorizerFunction: this.functions.authorizer,
      logRemovalPolicy: removalPolicy,
      ...(props.throttlingRateLimit !== undefined ? { throttlingRateLimit: props.throttlingRateLimit } : {}),
      ...(props.throttlingBurstLimit !== undefined ? { throttlingBurstLimit: props.throttlingBurstLimit } : {}),
      ...(props.customDomain ? { customDomain: props.customDomain } : {}),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });
    // The tokens' `iss`: PUBLIC_URL, which the functions set from the custom domain already; without
    // one, the API's default endpoint (a reference CloudFormation resolves), for these two
    // functions only: the others keep taking their redirect URIs from the request's own host.
    this.issuer = this.httpApi.url;
    if (!props.customDomain) {
      for (const fn of [this.functions.publicKeys, this.functions.sessionToken]) {
        fn.addEnvironment('PUBLIC_URL', this.issuer);
      }
    }
    this.#addProtectedRoutes(props.protectedRoutes ?? []);
    this.monitoring = new LoginMonitoring(this, 'Monitoring', {
      api: this.httpApi.api,
      functions: this.functions,
      metricsNamespace: METRICS_NAMESPACE,
      serviceName: SERVICE_NAME,
      ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
    });
  }

  /**
   * One `ServiceFunction` per route group of `shared/routes.ts`, plus the
   * authorizer and the key rotation. Each function's own log group and role
   * are this construct's children, with the ids deployed stacks have
   * (`<id>Logs`, `<id>Role`): the log groups keep their logical ids. Each
   * reads its part of the settings from its environment (service-environment.ts).
   */
  #createFunctions(props: LoginServiceProps, settings: ServiceSettings): Record<ServiceFunctionName, ServiceFunction> {
    const environments = serviceEnvironments(settings, {
      tableName: this.table.tableName,
      clientSecretPrefix: this.secrets.clientSecretPrefix,
      stateKeySecretArn: this.secrets.stateKey.secretArn,
      domainName: props.customDomain?.domainName,
      hstsPreload: props.hstsPreload ?? false,
    });
    const entries: Record<ServiceFunctionName, string> = {
      ...FUNCTION_ENTRIES,
      // Not a route: run by a schedule and, once per deploy, by the key set's custom resource.
      keyRotation: KEY_ROTATION_ENTRY,
      authorizer: AUTHORIZER_ENTRY,
    };
    const make = (name: ServiceFunctionName) => {
      const id = `${name[0]?.toUpperCase()}${name.slice(1)}Function`;
      const logGroup = new LogGroup(this, `${id}Logs`, {
        retention: props.logRetention ?? RetentionDays.ONE_MONTH,
        removalPolicy: settings.removalPolicy,
      });
      const role = new Role(this, `${id}Role`, {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        description: `Execution role of ${id}: its own log group plus explicit grants`,
      });
      return new ServiceFunction(this, id, {
        entry: entries[name],
        role,
        logGroup,
        environment: environments[name],
        timeout: settings.functionTimeout,
        tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
        ...(props.memorySize !== undefined ? { memorySize: props.memorySize } : {}),
        ...(props.sourceMaps ? { sourceMaps: true } : {}),
      });
    };
    const names = Object.keys(entries) as ServiceFunctionName[];
    return Object.fromEntries(names.map((name) => [name, make(name)])) as Record<ServiceFunctionName, ServiceFunction>;
  }

  /**
   * Least privilege: each function gets the table actions its code sends
   * (`LoginTable`'s grants, named by what the function does) and the secrets
   * it reads or writes, nothing else. health and whoami get no data access.
   */
  #grantDataAccess(table: LoginTable): void {
    const { login, session, setup, universalLogout, authorizer, scim, sessionToken } = this.functions;
    table.grantLoginWrites(login);
    this.secrets.grantReadStateKey(login);
    this.secrets.grantReadClientSecrets(login);
    table.grantSessionChecksAndLogout(session);
    table.grantSessionRevocation(universalLogout);
    table.grantSessionChecks(authorizer);
    table.grantTenantSetup(setup);
    // The state key seals the test sign-in's login state; client secrets are written, never read.
    this.secrets.grantReadStateKey(setup);
    this.secrets.grantWriteClientSecrets(setup);
    table.grantSessionChecks(sessionToken);
    table.grantScimProvisioning(scim);
  }

  /** The app's own routes (`protectedRoutes`), behind the session authorizer. */
  #addProtectedRoutes(routes: readonly ProtectedRoute[]): void {
    for (const [index, route] of routes.entries()) {
      new HttpRoute(this, `ProtectedRoute${index}`, {
        httpApi: this.httpApi.api,
        routeKey: HttpRouteKey.with(route.path, route.method),
        integration: new HttpLambdaIntegration(`ProtectedIntegration${index}`, route.handler),
        authorizer: this.httpApi.authorizer,
      });
    }
  }
}
