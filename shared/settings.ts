/**
 * The deployment's numeric settings: environment variable, default and
 * allowed range, written once. `config.ts` reads them at cold start; the CDK
 * construct checks its props against the same ranges at synth, so a bad value
 * fails `cdk synth` with its name instead of a function's first cold start.
 */
export interface NumericSetting {
  readonly env: string;
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

const DAY = 24 * 3600;

export const SETTINGS = {
  /** Absolute session lifetime, seconds. */
  sessionTtlSeconds: { env: 'SESSION_TTL_SECONDS', default: 8 * 3600, min: 60, max: 30 * DAY },
  /** A session unused this long ends; 0 turns the idle timeout off. */
  sessionIdleSeconds: { env: 'SESSION_IDLE_TIMEOUT_SECONDS', default: 3600, min: 0, max: 30 * DAY },
  /** Time a login (the round trip to Okta) may take. */
  loginStateTtlSeconds: { env: 'LOGIN_STATE_TTL_SECONDS', default: 600, min: 30, max: 3600 },
  /** Timeout of each call to a tenant's Okta, ms. */
  idpTimeoutMs: { env: 'IDP_TIMEOUT_MS', default: 5000, min: 100, max: 20_000 },
  /** Minimum time between JWKS refetches on an unknown `kid`. */
  jwksRefetchCooldownSeconds: { env: 'JWKS_REFETCH_COOLDOWN_SECONDS', default: 30, min: 1, max: 3600 },
  /** How long the login function caches a tenant's config. */
  tenantCacheSeconds: { env: 'TENANT_CACHE_SECONDS', default: 30, min: 1, max: 3600 },
  /** Days audit events are kept (DynamoDB TTL). */
  auditRetentionDays: { env: 'AUDIT_RETENTION_DAYS', default: 400, min: 1, max: 3650 },
  /** Live checks and test sign-ins one setup link may run per 15 minutes. */
  setupAttemptLimit: { env: 'SETUP_ATTEMPT_LIMIT', default: 20, min: 1, max: 1000 },
  /** How long secrets are cached in memory. */
  secretsCacheSeconds: { env: 'SECRETS_CACHE_SECONDS', default: 300, min: 0, max: DAY },
  /** Lifetime of a session token (`GET /session/token`), seconds. */
  sessionTokenTtlSeconds: { env: 'SESSION_TOKEN_TTL_SECONDS', default: 300, min: 60, max: 900 },
  /** Days a signing key signs before the scheduled rotation adds the next one. */
  signingKeyRotationDays: { env: 'SIGNING_KEY_ROTATION_DAYS', default: 30, min: 1, max: 365 },
  /**
   * Seconds a new signing key is published before it signs: the longest verifier cache of the
   * key set (API Gateway's JWT authorizer: up to 2 h) plus our own secret cache (300 s), so no
   * verifier meets a `kid` it has not fetched yet. 0 only for tests and the local stack.
   */
  signingKeyPublicationDelaySeconds: {
    env: 'SIGNING_KEY_PUBLICATION_DELAY_SECONDS',
    default: 7_500,
    min: 0,
    max: DAY,
  },
} as const satisfies Record<string, NumericSetting>;

/**
 * Every function's own limits (not environment variables): the CDK default of
 * `functionTimeout` (below API Gateway's 29 s; `IDP_TIMEOUT_MS` must stay
 * under it) and of `memorySize` (512 MB chosen from `npm run bench`).
 */
export const FUNCTION_DEFAULTS = { timeoutSeconds: 10, memorySizeMb: 512 } as const;

/** Whether `value` is a whole number in the setting's range. */
export function isWithin(setting: NumericSetting, value: number): boolean {
  return Number.isInteger(value) && value >= setting.min && value <= setting.max;
}
