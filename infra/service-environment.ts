import { Fn, Token } from 'aws-cdk-lib';
import type { FunctionName } from '../shared/routes.ts';
import type { ServiceSettings } from './service-settings.ts';
import { numberToEnv } from './validation.ts';

/** Every function `LoginService` creates: one per route group, the session authorizer and the key rotation. */
export type ServiceFunctionName = FunctionName | 'authorizer' | 'keyRotation';

/** What the environment names besides the settings: resources of the stack, and deployment switches. */
export interface EnvironmentResources {
  readonly tableName: string;
  readonly clientSecretPrefix: string;
  readonly stateKeySecretArn: string;
  /** The custom domain, when given: `PUBLIC_URL`. */
  readonly domainName: string | undefined;
  readonly hstsPreload: boolean;
}

/**
 * The env contract of shared/config.ts (readConfig), written out in full for
 * each function, so a deployed function's configuration can be read in the
 * console without knowing the code's defaults. Each function gets the common
 * part plus what its own code reads: the secrets only where they are used,
 * the app's URLs only where users land or the app is answered.
 * (`SIGNING_KEYS_SECRET_ID` is added by `SessionSigningKeys`, the issuer's
 * `PUBLIC_URL` without a custom domain by `LoginService`.)
 */
export function serviceEnvironments(
  settings: ServiceSettings,
  resources: EnvironmentResources,
): Record<ServiceFunctionName, Record<string, string>> {
  const common = commonEnvironment(settings, resources);
  const app = appEnvironment(settings);
  const secrets = {
    CLIENT_SECRET_PREFIX: resources.clientSecretPrefix,
    STATE_KEY_SECRET_ID: resources.stateKeySecretArn,
  };
  const tokenTtl = { SESSION_TOKEN_TTL_SECONDS: numberToEnv(settings.sessionTokenTtlSeconds) };
  const own: Record<ServiceFunctionName, Record<string, string>> = {
    login: { ...app, ...secrets },
    // CORS on /me and /logout, and the signed-in page.
    session: app,
    // The state key seals the test sign-in's login state; client secrets are written there.
    setup: secrets,
    universalLogout: {},
    health: {},
    whoami: {},
    scim: {},
    publicKeys: {},
    sessionToken: {
      ...app,
      ...(settings.appAudience !== undefined ? { APP_AUDIENCE: settings.appAudience } : {}),
      ...tokenTtl,
    },
    keyRotation: {
      ...tokenTtl,
      SIGNING_KEY_ROTATION_DAYS: numberToEnv(settings.signingKeyRotationDays),
      SIGNING_KEY_PUBLICATION_DELAY_SECONDS: numberToEnv(settings.signingKeyPublicationDelaySeconds),
    },
    authorizer: appCredentialEnvironment(settings),
  };
  return Object.fromEntries(
    Object.entries(own).map(([name, environment]) => [name, { ...common, ...environment }]),
  ) as Record<ServiceFunctionName, Record<string, string>>;
}

/** What every function reads. */
function commonEnvironment(settings: ServiceSettings, resources: EnvironmentResources): Record<string, string> {
  return {
    TABLE_NAME: resources.tableName,
    ALLOWED_REDIRECT_ORIGINS: joinOrigins(settings.allowedRedirectOrigins),
    // Unset: landing falls through to the built-in signed-in page (after APP_URL), never to `/`.
    ...(settings.defaultRedirectPath !== undefined ? { DEFAULT_REDIRECT_PATH: settings.defaultRedirectPath } : {}),
    SESSION_TTL_SECONDS: numberToEnv(settings.sessionTtlSeconds),
    SESSION_IDLE_TIMEOUT_SECONDS: numberToEnv(settings.sessionIdleSeconds),
    LOGIN_STATE_TTL_SECONDS: numberToEnv(settings.loginStateTtlSeconds),
    IDP_TIMEOUT_MS: numberToEnv(settings.idpTimeoutMs),
    SECRETS_CACHE_SECONDS: numberToEnv(settings.secretsCacheSeconds),
    AUDIT_RETENTION_DAYS: numberToEnv(settings.auditRetentionDays),
    HSTS_PRELOAD: resources.hstsPreload ? 'true' : 'false',
    // Unset: each request's own API Gateway domain is the base of the redirect URIs.
    ...(resources.domainName !== undefined ? { PUBLIC_URL: `https://${resources.domainName}` } : {}),
  };
}

/**
 * The app's URLs: only the functions that land users (login) and answer the
 * app (session, session token) read them.
 */
function appEnvironment(settings: ServiceSettings): Record<string, string> {
  const origins = settings.appOrigins;
  return {
    ...(settings.appUrl !== undefined ? { APP_URL: settings.appUrl } : {}),
    APP_ORIGINS: Token.isUnresolved(origins) ? joinOrigins(origins) : [...new Set(origins)].join(','),
  };
}

/** The authorizer's verifier of the app's own credential, when configured. */
function appCredentialEnvironment(settings: ServiceSettings): Record<string, string> {
  const credentials = settings.appCredentials;
  if (!credentials) return {};
  return {
    APP_CREDENTIAL_ISSUER: credentials.issuer,
    APP_CREDENTIAL_AUDIENCE: credentials.audience,
    APP_CREDENTIAL_JWKS_URI: credentials.jwksUri,
    ...(credentials.tenantClaim ? { APP_CREDENTIAL_TENANT_CLAIM: credentials.tenantClaim } : {}),
  };
}

/** A list of origins as one variable; a list token (e.g. a CommaDelimitedList parameter) is joined by CloudFormation. */
function joinOrigins(origins: readonly string[]): string {
  return Token.isUnresolved(origins) ? Fn.join(',', [...origins]) : origins.join(',');
}
