import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ServiceError } from '../errors.ts';
import type { LoginState } from '../login-state.ts';
import { exchangeCode } from '../oidc/token-exchange.ts';
import { type IdTokenClaims, verifyIdToken } from '../oidc/verify-id-token.ts';
import type { TenantConfig } from '../tenants.ts';
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
  const [metadata, clientSecret] = await Promise.all([
    deps.discovery.get(tenant.issuer),
    deps.clientSecrets.getClientSecret(tenant.tenantId, { fresh: options.freshSecret ?? false }),
  ]);
  if (!clientSecret) {
    throw new ServiceError('CONFIGURATION_ERROR', {
      reason: 'client_secret_missing',
      details: { tenantId: tenant.tenantId },
    });
  }
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
