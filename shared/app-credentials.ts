import { createRemoteJWKSet, decodeProtectedHeader, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { isSessionTokenType } from './session-token/token-type.ts';
import { SETTINGS } from './settings.ts';

/**
 * The app's own credential, for callers of its APIs that do not sign in
 * through Okta (e.g. the app's API keys exchanged for short-lived JWTs): a JWT
 * from the app's issuer that names the tenant it acts for.
 */
export interface AppCredentialVerifier {
  /** The caller, when `token` is a valid credential for `tenantId`; undefined otherwise. */
  verify(token: string, tenantId: string): Promise<{ readonly sub: string } | undefined>;
}

export interface AppCredentialOptions {
  /** Exact `iss` of the app's tokens. */
  readonly issuer: string;
  /** `aud` the tokens must carry (this API). */
  readonly audience: string;
  /** Where the issuer publishes its keys. */
  readonly jwksUri: string;
  /** Claim that names the tenant. @default 'tenant' */
  readonly tenantClaim?: string;
  /** Pinned algorithms. @default ['RS256', 'ES256'] */
  readonly algorithms?: readonly string[];
  /** Key fetch timeout, ms. @default the timeout of calls to a tenant's Okta (`SETTINGS.idpTimeoutMs`, 5 s) */
  readonly timeoutMs?: number;
}

/** Checks app JWTs with jose against the issuer's JWKS (cached across invocations by jose). */
export function createAppCredentialVerifier(
  options: AppCredentialOptions,
  keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(options.jwksUri), {
    timeoutDuration: options.timeoutMs ?? SETTINGS.idpTimeoutMs.default,
  }),
): AppCredentialVerifier {
  const tenantClaim = options.tenantClaim ?? 'tenant';
  return {
    async verify(token, tenantId) {
      try {
        // Our own session tokens are for the app's backend, never an app credential, even when a
        // deployment points these settings at our issuer and key set (RFC 8725 §3.11).
        if (isSessionTokenType(decodeProtectedHeader(token).typ)) return undefined;
        const { payload } = await jwtVerify(token, keys, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: [...(options.algorithms ?? ['RS256', 'ES256'])],
          requiredClaims: ['exp', 'sub', tenantClaim],
          clockTolerance: 60,
        });
        if (payload[tenantClaim] !== tenantId || typeof payload.sub !== 'string') return undefined;
        return { sub: payload.sub };
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * The verifier the deployment configured (APP_CREDENTIAL_ISSUER, _AUDIENCE,
 * _JWKS_URI, optional _TENANT_CLAIM), or none: then only sessions pass.
 */
export function appCredentialVerifierFromEnv(env: NodeJS.ProcessEnv = process.env): AppCredentialVerifier | undefined {
  const issuer = env.APP_CREDENTIAL_ISSUER;
  const audience = env.APP_CREDENTIAL_AUDIENCE;
  const jwksUri = env.APP_CREDENTIAL_JWKS_URI;
  if (!issuer && !audience && !jwksUri) return undefined;
  if (!issuer || !audience || !jwksUri) {
    throw new TypeError(
      'APP_CREDENTIAL_ISSUER, APP_CREDENTIAL_AUDIENCE and APP_CREDENTIAL_JWKS_URI must be set together (or none of them)',
    );
  }
  return createAppCredentialVerifier({
    issuer,
    audience,
    jwksUri,
    ...(env.APP_CREDENTIAL_TENANT_CLAIM ? { tenantClaim: env.APP_CREDENTIAL_TENANT_CLAIM } : {}),
  });
}
