/**
 * The setup page's live checks of what the Okta admin pasted, with the
 * service's own discovery, issuer and endpoint rules (private addresses
 * refused outside local mode) and its token endpoint client, each result in
 * the catalogue's words. Nothing here logs or returns the client secret.
 */
import { ServiceError } from '../errors.ts';
import { SETUP_CHECK_WORDS as WORDS } from '../http/error-catalogue.ts';
import { randomToken } from '../oidc/authorization-request.ts';
import type { ProviderMetadata } from '../oidc/discovery.ts';
import type { FetchLike } from '../oidc/http-fetch.ts';
import { assertAcceptableIssuer } from '../oidc/issuer-policy.ts';
import { exchangeCode, type TokenEndpointAuthMethod } from '../oidc/token-exchange.ts';
import { type CheckResult, checkDiscovery, checkSigningKeys } from '../tenant-check.ts';

export interface OktaConnection {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface ConnectionCheckOptions {
  readonly fetch: FetchLike;
  readonly timeoutMs: number;
  readonly allowLoopback: boolean;
  /** The tenant's sign-in redirect URI, sent with the test request as a real code exchange would. */
  readonly redirectUri: string;
  readonly authMethod: TokenEndpointAuthMethod;
  readonly idTokenAlgorithms: readonly string[];
}

const CLIENT_ID = /^[\w.-]{1,200}$/;

/** Every check in order; later ones run only when what they depend on passed. */
export async function checkOktaConnection(
  input: OktaConnection,
  options: ConnectionCheckOptions,
): Promise<CheckResult[]> {
  const typed = checkTyped(input, options.allowLoopback);
  if (typed.length > 0) return typed;
  const discovered = await checkDiscovery(input.issuer, options);
  if ('failure' in discovered) {
    return [discovered.failure, { check: 'client_credentials', ok: false, message: WORDS.client_check_skipped }];
  }
  const { metadata } = discovered;
  return [
    ...discovered.results,
    checkAuthorizationServer(input.issuer, metadata),
    await checkSigningKeys(metadata.jwksUri, options.idTokenAlgorithms, options.fetch, options.timeoutMs),
    await checkClientCredentials(input, metadata, options),
  ];
}

function checkTyped(input: OktaConnection, allowLoopback: boolean): CheckResult[] {
  const problems: CheckResult[] = [];
  let issuerOk = !input.issuer.endsWith('/');
  try {
    assertAcceptableIssuer(input.issuer, allowLoopback);
  } catch {
    issuerOk = false;
  }
  if (!issuerOk) problems.push({ check: 'issuer', ok: false, message: WORDS.issuer_invalid({ issuer: input.issuer }) });
  if (!CLIENT_ID.test(input.clientId))
    problems.push({ check: 'client_id', ok: false, message: WORDS.client_id_invalid });
  if (!input.clientSecret) problems.push({ check: 'client_secret', ok: false, message: WORDS.client_secret_missing });
  return problems;
}

/**
 * Okta serves two kinds of authorization server: the org's (issuer
 * `https://<org>.okta.com`, endpoints `/oauth2/v1/...`) and custom ones
 * (issuer `.../oauth2/<name>`, endpoints under it). Their tokens and groups
 * claims are configured in different places, so the endpoints discovery
 * lists must belong to the one the issuer names.
 */
export function checkAuthorizationServer(issuer: string, metadata: ProviderMetadata): CheckResult {
  const issuerUrl = new URL(issuer);
  const issuerPath = issuerUrl.pathname.replace(/\/$/, '');
  const custom = /^\/oauth2\/([^/]+)$/.exec(issuerPath)?.[1];
  const endpoints: Array<[string, string]> = [
    ['authorization_endpoint', metadata.authorizationEndpoint],
    ['token_endpoint', metadata.tokenEndpoint],
    ['jwks_uri', metadata.jwksUri],
  ];
  for (const [endpoint, value] of endpoints) {
    const url = new URL(value);
    const underIssuer =
      url.origin === issuerUrl.origin && (issuerPath === '' || url.pathname.startsWith(`${issuerPath}/`));
    // An org issuer whose endpoints sit under a custom server's path (not Okta's own /oauth2/v1/) is another server.
    const otherServer = issuerPath === '' && /^\/oauth2\/(?!v1\/)[^/]+\//.test(url.pathname);
    if (!underIssuer || otherServer) {
      return {
        check: 'authorization_server',
        ok: false,
        message: WORDS.authorization_server_mismatch({ endpoint, url: `${url.origin}${url.pathname}`, issuer }),
      };
    }
  }
  const message =
    custom !== undefined
      ? WORDS.authorization_server_custom({ issuer, name: custom })
      : issuerPath === ''
        ? WORDS.authorization_server_org({ issuer })
        : WORDS.authorization_server_other({ issuer });
  return { check: 'authorization_server', ok: true, message };
}

/**
 * Redeems a made-up authorization code with the pasted client credentials:
 * an authorization server checks the client before the code (RFC 6749
 * §3.2.1, §5.2), so `invalid_grant` means the client authenticated and
 * `invalid_client` that it did not — the same classification a login uses
 * (`oidc/token-exchange.ts`).
 */
async function checkClientCredentials(
  input: OktaConnection,
  metadata: ProviderMetadata,
  options: ConnectionCheckOptions,
): Promise<CheckResult> {
  const result = (ok: boolean, message: string): CheckResult => ({ check: 'client_credentials', ok, message });
  try {
    await exchangeCode(
      options.fetch,
      {
        tokenEndpoint: metadata.tokenEndpoint,
        clientId: input.clientId,
        clientSecret: input.clientSecret,
        authMethod: options.authMethod,
        code: `setup-check-${randomToken(24)}`,
        redirectUri: options.redirectUri,
        codeVerifier: randomToken(32),
      },
      options.timeoutMs,
    );
    // A code nobody issued was redeemed: whatever answers there is not a real authorization server.
    return result(false, WORDS.client_check_failed({ status: '200' }));
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    switch (error.code) {
      case 'AUTHORIZATION_CODE_REJECTED':
        return result(true, WORDS.client_accepted);
      case 'CLIENT_AUTH_FAILED':
        return result(
          false,
          error.reason === 'token_endpoint_unauthorized_client'
            ? WORDS.client_grant_not_allowed
            : WORDS.client_rejected,
        );
      case 'TOKEN_ENDPOINT_FAILED':
        if (error.details.status === undefined) {
          return result(false, WORDS.client_check_unreachable({ url: metadata.tokenEndpoint }));
        }
        return result(false, WORDS.client_check_failed(error.details));
      default:
        return result(false, WORDS.client_check_failed(error.details));
    }
  }
}
