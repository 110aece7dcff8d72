/**
 * Deployment-wide settings, read from the environment once per cold start.
 * Lambda gets these from the CDK stack; `npm start` sets them for the local
 * stack. Missing required values fail loudly at first use with the variable's
 * name, never with a silent default that would be wrong in production.
 */
import { isTokenAudience, parseAppUrl, parseExactOrigin } from './http/origins.ts';
import { defaultRedirectPathFrom } from './redirect-target.ts';
import { isWithin, type NumericSetting, SETTINGS } from './settings.ts';

export interface ServiceConfig {
  /** DynamoDB table holding tenants, users, sessions and used states. */
  readonly tableName: string;
  /** Use this DynamoDB endpoint (DynamoDB Local) instead of AWS. */
  readonly dynamoDbEndpoint: string | undefined;
  /**
   * Base URL of the service as browsers see it, e.g. `https://login.example.com`.
   * When unset, the base is taken from the API Gateway request's domain.
   */
  readonly publicUrl: string | undefined;
  /** Origins (scheme://host[:port]) that `target_link_uri` may point to. */
  readonly allowedRedirectOrigins: readonly string[];
  /**
   * The app users land on after login when neither the tile's target nor the
   * tenant's default applies (`APP_URL`, CDK `appUrl`): an absolute URL.
   */
  readonly appUrl: string | undefined;
  /**
   * The deployment's app origins: `APP_URL`'s origin, then `APP_ORIGINS`.
   * Each is an allowed redirect origin and may read `/me` and call `/logout`
   * through CORS for a session of any tenant (shared/http/cors.ts).
   */
  readonly appOrigins: readonly string[];
  /**
   * A path on this service to land on when no target, tenant default or
   * `APP_URL` applies; unset: the built-in signed-in page (`/signed-in`).
   */
  readonly defaultRedirectPath: string | undefined;
  /** Absolute session lifetime in seconds. */
  readonly sessionTtlSeconds: number;
  /** A session unused for this many seconds ends; 0 turns the idle timeout off. */
  readonly sessionIdleSeconds: number;
  /** Seconds a login (authorize round trip) may take before its state expires. */
  readonly loginStateTtlSeconds: number;
  /** Accept `http://localhost`/`127.0.0.1` issuers (local stack and tests only). */
  readonly allowLoopbackIssuers: boolean;
  /** Secrets Manager name prefix for tenant client secrets; unset: local table. */
  readonly clientSecretPrefix: string | undefined;
  /** Secrets Manager ARN or name of the key that seals login-state cookies. */
  readonly stateKeySecretId: string | undefined;
  /** The same key given directly (base64url, 32 bytes): local stack only. */
  readonly stateKey: string | undefined;
  /** Timeout for calls to the tenant's Okta (discovery, JWKS, token), in ms. */
  readonly idpTimeoutMs: number;
  /** Minimum seconds between JWKS refetches triggered by an unknown `kid`. */
  readonly jwksRefetchCooldownSeconds: number;
  /** Seconds a tenant's configuration is cached in memory; CLI changes take effect within this. */
  readonly tenantCacheSeconds: number;
  /** Days audit events are kept (DynamoDB TTL). */
  readonly auditRetentionDays: number;
  /** Seconds secrets are cached in memory before they are read again. */
  readonly secretsCacheSeconds: number;
  /** Live checks and test sign-ins a setup link may run per 15-minute window. */
  readonly setupAttemptLimit: number;
  /** Lifetime of a session token (`GET /session/token`), seconds. */
  readonly sessionTokenTtlSeconds: number;
  /**
   * The session token's `aud` (`APP_AUDIENCE`, an absolute URI; default: `APP_URL`'s origin).
   * Unset: the token route answers 503 CONFIGURATION_ERROR.
   */
  readonly appAudience: string | undefined;
  /** Secrets Manager ARN or name of the private signing key set (AWS); unset: the local table. */
  readonly signingKeysSecretId: string | undefined;
  /** Days a signing key signs before rotation adds the next one. */
  readonly signingKeyRotationDays: number;
  /** Seconds a new signing key is published before it signs. */
  readonly signingKeyPublicationDelaySeconds: number;
}

function integer(env: NodeJS.ProcessEnv, setting: NumericSetting): number {
  const raw = env[setting.env];
  if (raw === undefined || raw === '') return setting.default;
  const value = Number(raw);
  if (!isWithin(setting, value)) {
    throw new TypeError(
      `Environment variable ${setting.env} must be an integer between ${setting.min} and ${setting.max}, got "${raw}"`,
    );
  }
  return value;
}

/** `APP_AUDIENCE`: any absolute URI (a token audience need not be an origin), else `APP_URL`'s origin. */
function appAudience(raw: string | undefined, appUrl: URL | undefined): string | undefined {
  if (!raw) return appUrl?.origin;
  if (!isTokenAudience(raw)) {
    throw new TypeError(
      `APP_AUDIENCE must be an absolute URI without spaces, e.g. https://app.example.com, got "${raw}"`,
    );
  }
  return raw;
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** A comma-separated list of exact origins (`parseExactOrigin`), normalised and without repeats. */
function origins(what: string, raw: string | undefined, allowHttpLoopback: boolean): string[] {
  return [...new Set(list(raw).map((value) => parseExactOrigin(value, { what, allowHttpLoopback })))];
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const tableName = env.TABLE_NAME;
  if (!tableName) throw new TypeError('Environment variable TABLE_NAME is required (the DynamoDB table name)');
  const publicUrl = env.PUBLIC_URL ? new URL(env.PUBLIC_URL).origin : undefined;
  // Plain http app and redirect origins only where loopback issuers are allowed: the local stack.
  const allowLoopbackIssuers = env.ALLOW_LOOPBACK_ISSUERS === 'true';
  const appUrl = env.APP_URL ? parseAppUrl(env.APP_URL, { allowHttpLoopback: allowLoopbackIssuers }) : undefined;
  const appOrigins = [
    ...new Set([...(appUrl ? [appUrl.origin] : []), ...origins('APP_ORIGINS', env.APP_ORIGINS, allowLoopbackIssuers)]),
  ];
  return {
    tableName,
    dynamoDbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    publicUrl,
    allowedRedirectOrigins: origins('ALLOWED_REDIRECT_ORIGINS', env.ALLOWED_REDIRECT_ORIGINS, allowLoopbackIssuers),
    appUrl: appUrl?.href,
    appOrigins,
    defaultRedirectPath: defaultRedirectPathFrom(env),
    sessionTtlSeconds: integer(env, SETTINGS.sessionTtlSeconds),
    sessionIdleSeconds: integer(env, SETTINGS.sessionIdleSeconds),
    loginStateTtlSeconds: integer(env, SETTINGS.loginStateTtlSeconds),
    allowLoopbackIssuers,
    clientSecretPrefix: env.CLIENT_SECRET_PREFIX || undefined,
    stateKeySecretId: env.STATE_KEY_SECRET_ID || undefined,
    stateKey: env.STATE_KEY || undefined,
    idpTimeoutMs: integer(env, SETTINGS.idpTimeoutMs),
    jwksRefetchCooldownSeconds: integer(env, SETTINGS.jwksRefetchCooldownSeconds),
    tenantCacheSeconds: integer(env, SETTINGS.tenantCacheSeconds),
    auditRetentionDays: integer(env, SETTINGS.auditRetentionDays),
    secretsCacheSeconds: integer(env, SETTINGS.secretsCacheSeconds),
    setupAttemptLimit: integer(env, SETTINGS.setupAttemptLimit),
    sessionTokenTtlSeconds: integer(env, SETTINGS.sessionTokenTtlSeconds),
    appAudience: appAudience(env.APP_AUDIENCE, appUrl),
    signingKeysSecretId: env.SIGNING_KEYS_SECRET_ID || undefined,
    signingKeyRotationDays: integer(env, SETTINGS.signingKeyRotationDays),
    signingKeyPublicationDelaySeconds: integer(env, SETTINGS.signingKeyPublicationDelaySeconds),
  };
}
