/**
 * Deployment-wide settings, read from the environment once per cold start.
 * Lambda gets these from the CDK stack; `npm start` sets them for the local
 * stack. Missing required values fail loudly at first use with the variable's
 * name, never with a silent default that would be wrong in production.
 */
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
  /** Where users land after login when no target was given. */
  readonly defaultRedirectPath: string;
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

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function origins(raw: string | undefined): string[] {
  return list(raw).map((value) => {
    const url = URL.parse(value);
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin === 'null') {
      throw new TypeError(
        `ALLOWED_REDIRECT_ORIGINS entries must be origins like https://app.example.com, got "${value}"`,
      );
    }
    return url.origin;
  });
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const tableName = env.TABLE_NAME;
  if (!tableName) throw new TypeError('Environment variable TABLE_NAME is required (the DynamoDB table name)');
  const publicUrl = env.PUBLIC_URL ? new URL(env.PUBLIC_URL).origin : undefined;
  const defaultRedirectPath = env.DEFAULT_REDIRECT_PATH ?? '/';
  if (!defaultRedirectPath.startsWith('/') || defaultRedirectPath.startsWith('//')) {
    throw new TypeError(
      `DEFAULT_REDIRECT_PATH must be a path starting with a single "/", got "${defaultRedirectPath}"`,
    );
  }
  return {
    tableName,
    dynamoDbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    publicUrl,
    allowedRedirectOrigins: origins(env.ALLOWED_REDIRECT_ORIGINS),
    defaultRedirectPath,
    sessionTtlSeconds: integer(env, SETTINGS.sessionTtlSeconds),
    sessionIdleSeconds: integer(env, SETTINGS.sessionIdleSeconds),
    loginStateTtlSeconds: integer(env, SETTINGS.loginStateTtlSeconds),
    allowLoopbackIssuers: env.ALLOW_LOOPBACK_ISSUERS === 'true',
    clientSecretPrefix: env.CLIENT_SECRET_PREFIX || undefined,
    stateKeySecretId: env.STATE_KEY_SECRET_ID || undefined,
    stateKey: env.STATE_KEY || undefined,
    idpTimeoutMs: integer(env, SETTINGS.idpTimeoutMs),
    jwksRefetchCooldownSeconds: integer(env, SETTINGS.jwksRefetchCooldownSeconds),
    tenantCacheSeconds: integer(env, SETTINGS.tenantCacheSeconds),
    auditRetentionDays: integer(env, SETTINGS.auditRetentionDays),
    secretsCacheSeconds: integer(env, SETTINGS.secretsCacheSeconds),
    setupAttemptLimit: integer(env, SETTINGS.setupAttemptLimit),
  };
}
