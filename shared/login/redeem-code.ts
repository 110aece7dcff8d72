import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ServiceError } from '../errors.ts';
import type { LoginState } from '../login-state.ts';
import { exchangeCode } from '../oidc/token-exchange.ts';
import { type IdTokenClaims, verifyIdToken } from '../oidc/verify-id-token.ts';
import { isTenantActive, type TenantConfig } from '../tenants.ts';
import type { LoginDependencies } from './dependencies.ts';
import { callbackUri } from './tenant.ts';

/**
 * Redeems the authorization code at the tenant's token endpoint (with the
 * PKCE verifier from the state) and returns the ID token's claims once they
 * pass every rule (signature by the tenant's keys, issuer, audience, nonce …).
 */
export async function redeemCode(
  deps: LoginDependencies,
  event: APIGatewayProxyEventV2,
  tenant: TenantConfig,
  state: LoginState,
  code: string,
  options: { readonly freshSecret?: boolean } = {},
): Promise<IdTokenClaims> {
  const clientSecret = await clientSecretAndDiscovery(deps, tenant, options.freshSecret ?? false);
  return exchangeAndVerify(deps, event, tenant, state, code, clientSecret);
}

/** What a login's code came to: verified claims (and the tenant as they were redeemed with), or a login to start again. */
export type LoginRedemption =
  | { readonly outcome: 'claims'; readonly claims: IdTokenClaims; readonly tenant: TenantConfig }
  /**
   * The code cannot be redeemed with the tenant as it is now — the login was
   * started with a config since replaced (another generation, issuer or client
   * id), or the identity provider spent the code on the refused attempt — so
   * a fresh login is started with it.
   */
  | { readonly outcome: 'restart'; readonly tenant: TenantConfig };

/**
 * `redeemCode` for a login, which survives a client secret changed a moment
 * ago. This container serves the tenant and its secret from memory
 * (TENANT_CACHE_SECONDS, SECRETS_CACHE_SECONDS), so right after `tenant put
 * --client-secret-stdin`, a setup link's "Check and save" or a delete and
 * re-create, Okta refuses the cached secret with `invalid_client`. Then the
 * tenant and the secret are looked at again — first as this container holds
 * them now (another callback may have re-read them), else read past both
 * caches, at most once per tenant per cooldown (`TenantDirectory.refresh`) —
 * and when they differ from what was used, the same code is redeemed once
 * more with them. A secret that is truly wrong stays wrong: one more attempt
 * at most, then the usual `invalid_client` error.
 *
 * Redeeming the same code again is sound because a failed client
 * authentication does not spend it: RFC 6749 §3.2.1/§4.1.3 has the server
 * authenticate the client before it looks at the grant, and oidc-provider
 * does so (client authentication is middleware before the grant handler;
 * `test/e2e/secret-change.test.ts` redeems a code after its `invalid_client`).
 * Should an identity provider spend the code anyway (`invalid_grant` on the
 * second attempt), the login starts again rather than failing.
 *
 * A tenant whose generation, issuer or client id changed cannot redeem a code
 * obtained for the old one: the login starts again (`restart`) with the
 * tenant as it is now, so the state sealed for another generation never
 * completes.
 */
export async function redeemLoginCode(
  deps: LoginDependencies,
  event: APIGatewayProxyEventV2,
  tenant: TenantConfig,
  state: LoginState,
  code: string,
): Promise<LoginRedemption> {
  const clientSecret = await clientSecretAndDiscovery(deps, tenant, false);
  try {
    const claims = await exchangeAndVerify(deps, event, tenant, state, code, clientSecret);
    return { outcome: 'claims', claims, tenant };
  } catch (error) {
    if (!isInvalidClient(error)) throw error;
    const current = await newerClientCredentials(deps, tenant, clientSecret);
    if (!current) throw error;
    if (!current.tenant) throw new ServiceError('TENANT_NOT_FOUND', { reason: 'tenant_deleted_during_login' });
    if (
      current.tenant.generation !== state.tenantGeneration ||
      current.tenant.issuer !== tenant.issuer ||
      current.tenant.clientId !== tenant.clientId
    ) {
      if (!isTenantActive(current.tenant)) {
        throw new ServiceError('SETUP_NOT_FINISHED', { details: { tenantId: current.tenant.tenantId } });
      }
      deps.logger.info('login restarted: the tenant was replaced since it started');
      return { outcome: 'restart', tenant: current.tenant };
    }
    if (!current.secret) throw missingSecret(current.tenant);
    try {
      const claims = await exchangeAndVerify(deps, event, current.tenant, state, code, current.secret);
      return { outcome: 'claims', claims, tenant: current.tenant };
    } catch (retryError) {
      // An identity provider that counts any attempt as the code's one use (a reading of RFC 6749 §10.5)
      // refuses it now: a fresh login, which the current secret will redeem.
      if (retryError instanceof ServiceError && retryError.code === 'AUTHORIZATION_CODE_REJECTED') {
        deps.logger.info('login restarted: the identity provider spent the code on the refused attempt');
        return { outcome: 'restart', tenant: current.tenant };
      }
      throw retryError;
    }
  }
}

interface ClientCredentials {
  readonly tenant: TenantConfig | undefined;
  readonly secret: string | undefined;
}

/**
 * The tenant and its secret when they differ from what was used; undefined
 * when they do not (the secret is wrong where it is stored, or Okta's side
 * changed) or when the cooldown refused a forced read.
 */
async function newerClientCredentials(
  deps: LoginDependencies,
  used: TenantConfig,
  usedSecret: string,
): Promise<ClientCredentials | undefined> {
  const differs = (current: ClientCredentials) =>
    current.tenant === undefined ||
    current.tenant.generation !== used.generation ||
    current.tenant.issuer !== used.issuer ||
    current.tenant.clientId !== used.clientId ||
    current.tenant.tokenEndpointAuthMethod !== used.tokenEndpointAuthMethod ||
    current.secret !== usedSecret;
  const tenantId = used.tenantId;
  // What this container holds now costs no read: a concurrent callback may have re-read both a moment ago.
  const cachedTenant = await deps.tenants.get(tenantId);
  const cached = { tenant: cachedTenant, secret: cachedTenant && (await deps.clientSecrets.getClientSecret(tenantId)) };
  if (differs(cached)) return cached;
  const refreshed = await deps.tenants.refresh(tenantId);
  if (!refreshed) {
    deps.logger.info('invalid_client: tenant and client secret were re-read moments ago; not again');
    return undefined;
  }
  const fresh = {
    tenant: refreshed.config,
    secret: refreshed.config && (await deps.clientSecrets.getClientSecret(tenantId, { fresh: true })),
  };
  const changed = differs(fresh);
  // Whether anything changed, never the values.
  deps.logger.info('invalid_client: tenant and client secret re-read past the caches', { changed });
  return changed ? fresh : undefined;
}

/** Okta refused the client's authentication (RFC 6749 §5.2 `invalid_client`): the secret or auth method is not what it expects. */
function isInvalidClient(error: unknown): boolean {
  return error instanceof ServiceError && error.reason === 'token_endpoint_invalid_client';
}

/** The tenant's client secret, read while discovery (cached) is looked up for the exchange. */
async function clientSecretAndDiscovery(
  deps: LoginDependencies,
  tenant: TenantConfig,
  fresh: boolean,
): Promise<string> {
  const [clientSecret] = await Promise.all([
    deps.clientSecrets.getClientSecret(tenant.tenantId, { fresh }),
    deps.discovery.get(tenant.issuer),
  ]);
  if (!clientSecret) throw missingSecret(tenant);
  return clientSecret;
}

function missingSecret(tenant: TenantConfig): ServiceError {
  return new ServiceError('CONFIGURATION_ERROR', {
    reason: 'client_secret_missing',
    details: { tenantId: tenant.tenantId },
  });
}

async function exchangeAndVerify(
  deps: LoginDependencies,
  event: APIGatewayProxyEventV2,
  tenant: TenantConfig,
  state: LoginState,
  code: string,
  clientSecret: string,
): Promise<IdTokenClaims> {
  const metadata = await deps.discovery.get(tenant.issuer);
  const tokens = await exchangeCode(
    deps.fetch,
    {
      tokenEndpoint: metadata.tokenEndpoint,
      clientId: tenant.clientId,
      clientSecret,
      authMethod: tenant.tokenEndpointAuthMethod,
      code,
      redirectUri: callbackUri(deps, event, tenant),
      codeVerifier: state.codeVerifier,
    },
    deps.config.idpTimeoutMs,
  );
  return verifyIdToken(tokens.idToken, deps.signingKeys.forJwksUri(metadata.jwksUri), {
    issuer: tenant.issuer,
    clientId: tenant.clientId,
    nonce: state.nonce,
    algorithms: tenant.idTokenAlgorithms,
    currentDate: deps.now(),
  });
}
