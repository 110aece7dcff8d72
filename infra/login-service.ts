import { Duration, Fn, RemovalPolicy, Token } from 'aws-cdk-lib';
import { type HttpApi, type HttpMethod, HttpRoute, HttpRouteKey } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IFunction, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AUTHORIZER_ENTRY, FUNCTION_ENTRIES, type FunctionName, KEY_ROTATION_ENTRY } from '../shared/routes.ts';
import { isWithin, type NumericSetting, SETTINGS } from '../shared/settings.ts';
import { requireAppUrl, requireOrigin, requireSameSite } from './app-origins.ts';
import { type CustomDomainProps, LoginHttpApi } from './http-api.ts';
import { LoginTable } from './login-table.ts';
import { LoginMonitoring } from './monitoring.ts';
import { LoginSecrets } from './secrets.ts';
import { METRICS_NAMESPACE, SERVICE_NAME, ServiceFunction } from './service-function.ts';
import { SessionSigningKeys } from './session-keys.ts';
import { numberToEnv, requireSeconds, requireSetting, validationError } from './validation.ts';

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
  /** Timeout of every function; below API Gateway's 29 s. @default Duration.seconds(10) */
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
  /** Memory of every function in MB (512 was chosen from `npm run bench`). @default 512 */
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
  readonly functions: Record<FunctionName | 'authorizer' | 'keyRotation', ServiceFunction>;
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
    // Validated here, with the prop's name, rather than by shared/config.ts at the first cold start.
    // Values that are tokens (known only at deploy time) are left to that check.
    // Every configured origin through the one origin validator (infra/app-origins.ts), normalised.
    const origins = (what: string, list: readonly string[] | undefined) =>
      Token.isUnresolved(list) ? (list ?? []) : (list ?? []).map((origin) => requireOrigin(this, what, origin));
    const allowedRedirectOrigins = origins('each allowedRedirectOrigins entry', props.allowedRedirectOrigins);
    const appOrigins = origins('each appOrigins entry', props.appOrigins);
    const appUrl = props.appUrl === undefined ? undefined : requireAppUrl(this, props.appUrl);
    const appAudience = props.appAudience;
    if (
      appAudience !== undefined &&
      !Token.isUnresolved(appAudience) &&
      (/\s/.test(appAudience) || !URL.canParse(appAudience))
    ) {
      throw validationError(
        this,
        'InvalidAppAudience',
        `appAudience must be an absolute URI without spaces, e.g. https://app.example.com, got "${appAudience}"`,
      );
    }
    // The login host the session cookie belongs to: the custom domain, or an execute-api host.
    const loginDomain = props.customDomain?.domainName;
    if (appUrl !== undefined && !Token.isUnresolved(appUrl)) {
      requireSameSite(this, 'appUrl', new URL(appUrl).origin, loginDomain);
    }
    for (const origin of Token.isUnresolved(appOrigins) ? [] : appOrigins) {
      requireSameSite(this, 'appOrigins entry', origin, loginDomain);
    }
    const defaultRedirectPath = props.defaultRedirectPath;
    if (
      defaultRedirectPath !== undefined &&
      !Token.isUnresolved(defaultRedirectPath) &&
      (!defaultRedirectPath.startsWith('/') || defaultRedirectPath.startsWith('//'))
    ) {
      throw validationError(
        this,
        'InvalidDefaultRedirectPath',
        `defaultRedirectPath must be a path starting with a single "/", got "${defaultRedirectPath}"`,
      );
    }
    const seconds = (name: string, value: Duration | undefined, setting: NumericSetting) =>
      requireSeconds(this, name, value ?? Duration.seconds(setting.default), setting);
    const sessionTtl = seconds('sessionTtl', props.sessionTtl, SETTINGS.sessionTtlSeconds);
    const idle = seconds('sessionIdleTimeout', props.sessionIdleTimeout, SETTINGS.sessionIdleSeconds);
    const loginStateTtl = seconds('loginStateTtl', props.loginStateTtl, SETTINGS.loginStateTtlSeconds);
    const secretsCache = seconds('secretsCacheTtl', props.secretsCacheTtl, SETTINGS.secretsCacheSeconds);
    const sessionTokenTtl = seconds('sessionTokenTtl', props.sessionTokenTtl, SETTINGS.sessionTokenTtlSeconds);
    const publicationDelay = seconds(
      'signingKeyPublicationDelay',
      props.signingKeyPublicationDelay,
      SETTINGS.signingKeyPublicationDelaySeconds,
    );
    const rotationDays = requireSetting(
      this,
      'signingKeyRotation',
      props.signingKeyRotation?.toDays({ integral: false }) ?? SETTINGS.signingKeyRotationDays.default,
      SETTINGS.signingKeyRotationDays,
      ' days',
    );
    const functionTimeout = props.functionTimeout ?? Duration.seconds(10);
    const idpTimeout = props.idpTimeout ?? Duration.millis(SETTINGS.idpTimeoutMs.default);
    const idpTimeoutMs = idpTimeout.toMilliseconds();
    if (!idpTimeout.isUnresolved() && !functionTimeout.isUnresolved()) {
      const idpTimeoutMax = Math.min(SETTINGS.idpTimeoutMs.max, functionTimeout.toMilliseconds() - 1);
      if (!isWithin({ ...SETTINGS.idpTimeoutMs, max: idpTimeoutMax }, idpTimeoutMs)) {
        throw validationError(
          this,
          'InvalidIdpTimeout',
          `idpTimeout must be from ${SETTINGS.idpTimeoutMs.min} ms to ${idpTimeoutMax} ms (${SETTINGS.idpTimeoutMs.max / 1000} s at most, and below functionTimeout ${functionTimeout.toHumanString()}), got ${idpTimeoutMs} ms`,
        );
      }
    }
    for (const route of props.protectedRoutes ?? []) {
      if (!Token.isUnresolved(route.path) && !route.path.startsWith('/')) {
        throw validationError(
          this,
          'InvalidProtectedRoute',
          `protectedRoutes paths must start with "/", got "${route.path}"`,
        );
      }
    }
    const appCredentials = props.appCredentials;
    if (appCredentials) {
      for (const [name, value] of [
        ['issuer', appCredentials.issuer],
        ['jwksUri', appCredentials.jwksUri],
      ] as const) {
        if (!Token.isUnresolved(value) && URL.parse(value)?.protocol !== 'https:') {
          throw validationError(
            this,
            'InvalidAppCredentials',
            `appCredentials.${name} must be an https URL, got "${value}"`,
          );
        }
      }
      if (!appCredentials.audience) {
        throw validationError(this, 'InvalidAppCredentials', 'appCredentials.audience must not be empty');
      }
    }
    const auditRetentionDays = requireSetting(
      this,
      'auditRetentionDays',
      props.auditRetentionDays ?? SETTINGS.auditRetentionDays.default,
      SETTINGS.auditRetentionDays,
      ' days',
    );
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    if (removalPolicy !== RemovalPolicy.RETAIN && removalPolicy !== RemovalPolicy.DESTROY) {
      throw validationError(
        this,
        'InvalidRemovalPolicy',
        `removalPolicy must be RemovalPolicy.RETAIN or RemovalPolicy.DESTROY, got ${removalPolicy}`,
      );
    }

    const loginTable = new LoginTable(this, 'Table', { removalPolicy });
    this.table = loginTable.table;
    this.secrets = new LoginSecrets(this, 'Secrets', {
      ...(props.clientSecretPrefix !== undefined ? { clientSecretPrefix: props.clientSecretPrefix } : {}),
    });

    // The env contract of shared/config.ts (readConfig), written out in full so a deployed
    // function's configuration can be read in the console without knowing the code's defaults.
    const common = {
      TABLE_NAME: this.table.tableName,
      // A list token (e.g. a CommaDelimitedList parameter) is joined by CloudFormation.
      ALLOWED_REDIRECT_ORIGINS: Token.isUnresolved(allowedRedirectOrigins)
        ? Fn.join(',', [...allowedRedirectOrigins])
        : allowedRedirectOrigins.join(','),
      // Unset: landing falls through to the built-in signed-in page (after APP_URL), never to `/`.
      ...(defaultRedirectPath !== undefined ? { DEFAULT_REDIRECT_PATH: defaultRedirectPath } : {}),
      SESSION_TTL_SECONDS: numberToEnv(sessionTtl),
      SESSION_IDLE_TIMEOUT_SECONDS: numberToEnv(idle),
      LOGIN_STATE_TTL_SECONDS: numberToEnv(loginStateTtl),
      IDP_TIMEOUT_MS: numberToEnv(idpTimeoutMs),
      SECRETS_CACHE_SECONDS: numberToEnv(secretsCache),
      AUDIT_RETENTION_DAYS: numberToEnv(auditRetentionDays),
      HSTS_PRELOAD: props.hstsPreload ? 'true' : 'false',
      // Unset: each request's own API Gateway domain is the base of the redirect URIs.
      ...(props.customDomain ? { PUBLIC_URL: `https://${props.customDomain.domainName}` } : {}),
    };
    // Only the functions that land users (login) and answer the app (session: CORS on /me and
    // /logout, the signed-in page) read the app's URLs.
    const app = {
      ...(appUrl !== undefined ? { APP_URL: appUrl } : {}),
      APP_ORIGINS: Token.isUnresolved(appOrigins) ? Fn.join(',', [...appOrigins]) : [...new Set(appOrigins)].join(','),
    };
    // The token's `aud`: the prop, else APP_URL's origin (what shared/config.ts defaults to),
    // written out so the console shows it; unknown at synth when appUrl is a token.
    const audience =
      appAudience ?? (appUrl !== undefined && !Token.isUnresolved(appUrl) ? new URL(appUrl).origin : undefined);
    const make = (name: string, entry: string, environment: Record<string, string> = {}) => {
      const id = `${name[0]?.toUpperCase()}${name.slice(1)}Function`;
      // Each function's own log group and role are this construct's children, with the ids
      // deployed stacks have (`<id>Logs`, `<id>Role`): the log groups keep their logical ids.
      const logGroup = new LogGroup(this, `${id}Logs`, {
        retention: props.logRetention ?? RetentionDays.ONE_MONTH,
        removalPolicy,
      });
      const role = new Role(this, `${id}Role`, {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        description: `Execution role of ${id}: its own log group plus explicit grants`,
      });
      return new ServiceFunction(this, id, {
        entry,
        role,
        logGroup,
        environment: { ...common, ...environment },
        timeout: functionTimeout,
        tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
        ...(props.memorySize !== undefined ? { memorySize: props.memorySize } : {}),
        ...(props.sourceMaps ? { sourceMaps: true } : {}),
      });
    };

    this.functions = {
      login: make('login', FUNCTION_ENTRIES.login, {
        ...app,
        CLIENT_SECRET_PREFIX: this.secrets.clientSecretPrefix,
        STATE_KEY_SECRET_ID: this.secrets.stateKey.secretArn,
      }),
      session: make('session', FUNCTION_ENTRIES.session, app),
      setup: make('setup', FUNCTION_ENTRIES.setup, {
        CLIENT_SECRET_PREFIX: this.secrets.clientSecretPrefix,
        STATE_KEY_SECRET_ID: this.secrets.stateKey.secretArn,
      }),
      universalLogout: make('universalLogout', FUNCTION_ENTRIES.universalLogout),
      health: make('health', FUNCTION_ENTRIES.health),
      whoami: make('whoami', FUNCTION_ENTRIES.whoami),
      scim: make('scim', FUNCTION_ENTRIES.scim),
      // The JWKS and the discovery document: no secret, only the public key item (below).
      publicKeys: make('publicKeys', FUNCTION_ENTRIES.publicKeys),
      // The only function that reads the private signing keys (besides the rotation).
      sessionToken: make('sessionToken', FUNCTION_ENTRIES.sessionToken, {
        ...app,
        ...(audience !== undefined ? { APP_AUDIENCE: audience } : {}),
        SESSION_TOKEN_TTL_SECONDS: numberToEnv(sessionTokenTtl),
      }),
      // Not a route: run by a schedule and, once per deploy, by the key set's custom resource.
      keyRotation: make('keyRotation', KEY_ROTATION_ENTRY, {
        SESSION_TOKEN_TTL_SECONDS: numberToEnv(sessionTokenTtl),
        SIGNING_KEY_ROTATION_DAYS: numberToEnv(rotationDays),
        SIGNING_KEY_PUBLICATION_DELAY_SECONDS: numberToEnv(publicationDelay),
      }),
      authorizer: make(
        'authorizer',
        AUTHORIZER_ENTRY,
        appCredentials
          ? {
              APP_CREDENTIAL_ISSUER: appCredentials.issuer,
              APP_CREDENTIAL_AUDIENCE: appCredentials.audience,
              APP_CREDENTIAL_JWKS_URI: appCredentials.jwksUri,
              ...(appCredentials.tenantClaim ? { APP_CREDENTIAL_TENANT_CLAIM: appCredentials.tenantClaim } : {}),
            }
          : {},
      ),
    };

    // Least privilege: each function gets the table actions its code sends, on the table's items
    // only (`grantItems`: not on the index, which `table.grant` would add), and nothing else.
    // TransactWriteItems needs no action of its own: IAM authorizes each item of a transaction by
    // its Put/Update/Delete/ConditionCheck. Writing a session item maintains its index entry
    // without any index permission. health and whoami get no data access at all.
    const { login, session, setup, universalLogout, authorizer, scim, publicKeys, sessionToken, keyRotation } =
      this.functions;
    loginTable.grantItems(
      login,
      'dynamodb:GetItem', // tenant config
      'dynamodb:PutItem', // used login state (conditional), login_failed audit event
      'dynamodb:UpdateItem', // returning user's profile (in the login transaction)
      'dynamodb:DeleteItem', // the browser's previous session (in the login transaction)
      'dynamodb:ConditionCheckItem', // transaction guards
    );
    this.secrets.grantReadStateKey(login);
    this.secrets.grantReadClientSecrets(login);
    loginTable.grantItems(
      session,
      'dynamodb:BatchGetItem', // GET /me: session, user and tenant in one request
      'dynamodb:GetItem', // tenant config (logout target)
      'dynamodb:UpdateItem', // session last-seen (idle timeout)
      'dynamodb:DeleteItem', // logout
      'dynamodb:PutItem', // logout audit event
    );
    loginTable.grantItems(
      universalLogout,
      'dynamodb:GetItem', // tenant config (read on every call), the user of an iss_sub subject
      'dynamodb:Query', // the tenant's users, for an email subject (the table's tenant partition)
      'dynamodb:BatchGetItem', // the user's sessions, with the user and the tenant, to count the live ones
      'dynamodb:PutItem', // the used jti (conditional), universal_logout audit events
      'dynamodb:UpdateItem', // the user's revocation epoch
    );
    // The only function that reads the user-sessions index.
    loginTable.grantIndexQuery(universalLogout);
    loginTable.grantItems(authorizer, 'dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    loginTable.grantItems(
      setup,
      'dynamodb:GetItem', // tenant config, setup link, last test sign-in
      'dynamodb:PutItem', // tenant config (connect, activate), audit events, the SCIM token's hash
      'dynamodb:UpdateItem', // the link's attempt counter (conditional)
    );
    // The state key seals the test sign-in's login state; client secrets are written, never read.
    this.secrets.grantReadStateKey(setup);
    this.secrets.grantWriteClientSecrets(setup);
    loginTable.grantItems(
      sessionToken,
      'dynamodb:BatchGetItem', // session, user, tenant and the public key set in one request
      'dynamodb:GetItem', // tenant config (the CORS origins of the session's tenant)
      'dynamodb:UpdateItem', // session last-seen (fetching a token is activity)
    );
    // The private keys: a secret generated in AWS by the rotation. Only the token function reads
    // it; the key-set function reads the public item, on the SIGNING_KEYS partition only.
    this.signingKeys = new SessionSigningKeys(this, 'SigningKeys', {
      table: loginTable,
      rotationFunction: keyRotation,
      removalPolicy,
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });
    this.signingKeys.grantReadPrivateKeys(sessionToken);
    this.signingKeys.grantReadPublicKeys(publicKeys);
    for (const fn of [sessionToken, keyRotation]) {
      fn.addEnvironment('SIGNING_KEYS_SECRET_ID', this.signingKeys.secret.secretArn);
    }
    // SCIM: no secrets, no Okta calls, no Scan (lookups are keyed items, listings query the tenant's partition).
    loginTable.grantItems(
      scim,
      'dynamodb:BatchGetItem', // tenant config + token hash on every request; users by id
      'dynamodb:GetItem', // userName, externalId and group-name items; a group
      'dynamodb:Query', // a tenant's users, groups and a group's members
      'dynamodb:PutItem', // users, groups, memberships, key items, audit (in transactions)
      'dynamodb:UpdateItem', // users' SCIM attributes, groups and roles; the tenant's SCIM-groups flag
      'dynamodb:DeleteItem', // memberships and key items that move
      'dynamodb:ConditionCheckItem', // the tenant's generation in transactions
    );

    this.httpApi = new LoginHttpApi(this, 'Http', {
      functions: this.functions,
      authorizerFunction: authorizer,
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
      for (const fn of [publicKeys, sessionToken]) fn.addEnvironment('PUBLIC_URL', this.issuer);
    }
    for (const [index, route] of (props.protectedRoutes ?? []).entries()) {
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
      metricsNamespace: METRICS_NAMESPACE,
      serviceName: SERVICE_NAME,
      ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
    });
  }
}
