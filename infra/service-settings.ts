import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { isTokenAudience } from '../shared/http/origins.ts';
import { defaultRedirectPathProblem } from '../shared/redirect-target.ts';
import { FUNCTION_DEFAULTS, isWithin, type NumericSetting, SETTINGS } from '../shared/settings.ts';
import { requireAppUrl, requireOrigin, requireSameSite } from './app-origins.ts';
import type { AppCredentialsProps, LoginServiceProps } from './login-service.ts';
import { requireSeconds, requireSetting, validationError } from './validation.ts';

/**
 * `LoginServiceProps` checked and with their defaults: what the functions'
 * environment is written from. Every check runs at construction, with the
 * prop's name, rather than by shared/config.ts at the first cold start; a
 * value that is an unresolved token (known only at deploy time) is left to
 * that check. Defaults and ranges come from `shared/settings.ts`, origins go
 * through `shared/http/origins.ts` (by way of `app-origins.ts`).
 */
export interface ServiceSettings {
  readonly removalPolicy: RemovalPolicy;
  /** Normalised exact origins, or a list token. */
  readonly allowedRedirectOrigins: readonly string[];
  /** Normalised exact origins (repeats kept: the environment drops them), or a list token. */
  readonly appOrigins: readonly string[];
  /** Normalised (`URL.href`), or a token. */
  readonly appUrl: string | undefined;
  /** The session tokens' `aud`: the prop, else `appUrl`'s origin when known at synth. */
  readonly appAudience: string | undefined;
  readonly defaultRedirectPath: string | undefined;
  readonly sessionTtlSeconds: number;
  readonly sessionIdleSeconds: number;
  readonly loginStateTtlSeconds: number;
  readonly secretsCacheSeconds: number;
  readonly sessionTokenTtlSeconds: number;
  readonly signingKeyPublicationDelaySeconds: number;
  readonly signingKeyRotationDays: number;
  readonly functionTimeout: Duration;
  readonly idpTimeoutMs: number;
  readonly auditRetentionDays: number;
  readonly appCredentials: AppCredentialsProps | undefined;
}

/** Checks every prop of `LoginService` (`scope`) and fills in the defaults. */
export function resolveServiceSettings(scope: IConstruct, props: LoginServiceProps): ServiceSettings {
  const app = resolveAppUrls(scope, props);
  const defaultRedirectPath = requireDefaultRedirectPath(scope, props.defaultRedirectPath);
  const durations = resolveDurations(scope, props);
  const functionTimeout = props.functionTimeout ?? Duration.seconds(FUNCTION_DEFAULTS.timeoutSeconds);
  const idpTimeoutMs = requireIdpTimeout(scope, props.idpTimeout, functionTimeout);
  for (const route of props.protectedRoutes ?? []) {
    if (!Token.isUnresolved(route.path) && !route.path.startsWith('/')) {
      throw validationError(
        scope,
        'InvalidProtectedRoute',
        `protectedRoutes paths must start with "/", got "${route.path}"`,
      );
    }
  }
  if (props.appCredentials) requireAppCredentials(scope, props.appCredentials);
  const auditRetentionDays = requireSetting(
    scope,
    'auditRetentionDays',
    props.auditRetentionDays ?? SETTINGS.auditRetentionDays.default,
    SETTINGS.auditRetentionDays,
    ' days',
  );
  return {
    ...app,
    defaultRedirectPath,
    ...durations,
    functionTimeout,
    idpTimeoutMs,
    auditRetentionDays,
    appCredentials: props.appCredentials,
    removalPolicy: requireRemovalPolicy(scope, props.removalPolicy ?? RemovalPolicy.RETAIN),
  };
}

type AppUrls = Pick<ServiceSettings, 'allowedRedirectOrigins' | 'appOrigins' | 'appUrl' | 'appAudience'>;

/**
 * The configured origins through the one origin validator, normalised; the
 * app's on the same site as the login host the session cookie belongs to
 * (the custom domain, or an execute-api host).
 */
function resolveAppUrls(scope: IConstruct, props: LoginServiceProps): AppUrls {
  const origins = (what: string, list: readonly string[] | undefined) =>
    Token.isUnresolved(list) ? (list ?? []) : (list ?? []).map((origin) => requireOrigin(scope, what, origin));
  const allowedRedirectOrigins = origins('each allowedRedirectOrigins entry', props.allowedRedirectOrigins);
  const appOrigins = origins('each appOrigins entry', props.appOrigins);
  const appUrl = props.appUrl === undefined ? undefined : requireAppUrl(scope, props.appUrl);
  const appAudience = props.appAudience;
  if (appAudience !== undefined && !Token.isUnresolved(appAudience) && !isTokenAudience(appAudience)) {
    throw validationError(
      scope,
      'InvalidAppAudience',
      `appAudience must be an absolute URI without spaces, e.g. https://app.example.com, got "${appAudience}"`,
    );
  }
  const loginDomain = props.customDomain?.domainName;
  const appUrlKnown = appUrl !== undefined && !Token.isUnresolved(appUrl);
  if (appUrlKnown) requireSameSite(scope, 'appUrl', new URL(appUrl).origin, loginDomain);
  for (const origin of Token.isUnresolved(appOrigins) ? [] : appOrigins) {
    requireSameSite(scope, 'appOrigins entry', origin, loginDomain);
  }
  return {
    allowedRedirectOrigins,
    appOrigins,
    appUrl,
    // What shared/config.ts defaults the `aud` to, written out so the console shows it; unknown at
    // synth when appUrl is a token.
    appAudience: appAudience ?? (appUrlKnown ? new URL(appUrl).origin : undefined),
  };
}

/** `defaultRedirectPath` by the rule the functions apply to `DEFAULT_REDIRECT_PATH` (shared/redirect-target.ts). */
function requireDefaultRedirectPath(scope: IConstruct, path: string | undefined): string | undefined {
  const problem =
    path === undefined || Token.isUnresolved(path)
      ? undefined
      : defaultRedirectPathProblem('defaultRedirectPath', path);
  if (problem) throw validationError(scope, 'InvalidDefaultRedirectPath', problem);
  return path;
}

type Durations = Pick<
  ServiceSettings,
  | 'sessionTtlSeconds'
  | 'sessionIdleSeconds'
  | 'loginStateTtlSeconds'
  | 'secretsCacheSeconds'
  | 'sessionTokenTtlSeconds'
  | 'signingKeyPublicationDelaySeconds'
  | 'signingKeyRotationDays'
>;

/** The Duration props in the units and ranges of the settings they become. */
function resolveDurations(scope: IConstruct, props: LoginServiceProps): Durations {
  const seconds = (name: string, value: Duration | undefined, setting: NumericSetting) =>
    requireSeconds(scope, name, value ?? Duration.seconds(setting.default), setting);
  return {
    sessionTtlSeconds: seconds('sessionTtl', props.sessionTtl, SETTINGS.sessionTtlSeconds),
    sessionIdleSeconds: seconds('sessionIdleTimeout', props.sessionIdleTimeout, SETTINGS.sessionIdleSeconds),
    loginStateTtlSeconds: seconds('loginStateTtl', props.loginStateTtl, SETTINGS.loginStateTtlSeconds),
    secretsCacheSeconds: seconds('secretsCacheTtl', props.secretsCacheTtl, SETTINGS.secretsCacheSeconds),
    sessionTokenTtlSeconds: seconds('sessionTokenTtl', props.sessionTokenTtl, SETTINGS.sessionTokenTtlSeconds),
    signingKeyPublicationDelaySeconds: seconds(
      'signingKeyPublicationDelay',
      props.signingKeyPublicationDelay,
      SETTINGS.signingKeyPublicationDelaySeconds,
    ),
    signingKeyRotationDays: requireSetting(
      scope,
      'signingKeyRotation',
      props.signingKeyRotation?.toDays({ integral: false }) ?? SETTINGS.signingKeyRotationDays.default,
      SETTINGS.signingKeyRotationDays,
      ' days',
    ),
  };
}

/** `idpTimeout` in ms: the setting's range, and below the function timeout (when both are known). */
function requireIdpTimeout(scope: IConstruct, value: Duration | undefined, functionTimeout: Duration): number {
  const idpTimeout = value ?? Duration.millis(SETTINGS.idpTimeoutMs.default);
  const idpTimeoutMs = idpTimeout.toMilliseconds();
  if (idpTimeout.isUnresolved() || functionTimeout.isUnresolved()) return idpTimeoutMs;
  const max = Math.min(SETTINGS.idpTimeoutMs.max, functionTimeout.toMilliseconds() - 1);
  if (!isWithin({ ...SETTINGS.idpTimeoutMs, max }, idpTimeoutMs)) {
    throw validationError(
      scope,
      'InvalidIdpTimeout',
      `idpTimeout must be from ${SETTINGS.idpTimeoutMs.min} ms to ${max} ms (${SETTINGS.idpTimeoutMs.max / 1000} s at most, and below functionTimeout ${functionTimeout.toHumanString()}), got ${idpTimeoutMs} ms`,
    );
  }
  return idpTimeoutMs;
}

/**
 * The app's own credential: an https issuer and JWKS (a deployed authorizer
 * fetches keys over the internet; plain http only ever in the local stack),
 * and an audience.
 */
function requireAppCredentials(scope: IConstruct, credentials: AppCredentialsProps): void {
  for (const [name, value] of [
    ['issuer', credentials.issuer],
    ['jwksUri', credentials.jwksUri],
  ] as const) {
    if (!Token.isUnresolved(value) && URL.parse(value)?.protocol !== 'https:') {
      throw validationError(
        scope,
        'InvalidAppCredentials',
        `appCredentials.${name} must be an https URL, got "${value}"`,
      );
    }
  }
  if (!credentials.audience) {
    throw validationError(scope, 'InvalidAppCredentials', 'appCredentials.audience must not be empty');
  }
}

function requireRemovalPolicy(scope: IConstruct, removalPolicy: RemovalPolicy): RemovalPolicy {
  if (removalPolicy !== RemovalPolicy.RETAIN && removalPolicy !== RemovalPolicy.DESTROY) {
    throw validationError(
      scope,
      'InvalidRemovalPolicy',
      `removalPolicy must be RemovalPolicy.RETAIN or RemovalPolicy.DESTROY, got ${removalPolicy}`,
    );
  }
  return removalPolicy;
}
