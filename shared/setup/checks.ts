/**
 * The setup page's live checks of what the Okta admin pasted, with the
 * service's own discovery, issuer and endpoint rules (private addresses
 * refused outside local mode) and its token endpoint client, each result in
 * the catalogue's words. Nothing here logs or returns the client secret.
 */
import { SETUP_CHECK_WORDS as WORDS } from '../http/error-catalogue.ts';
import type { ProviderMetadata } from '../oidc/discovery.ts';
import type { FetchLike } from '../oidc/http-fetch.ts';
import { issuerProblem } from '../oidc/issuer-policy.ts';
import type { TokenEndpointAuthMethod } from '../oidc/token-exchange.ts';
import { type CheckResult, checkClientCredentials, checkDiscovery, checkSigningKeys } from '../tenant-check.ts';

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
    await checkClientCredentials(
      {
        clientId: input.clientId,
        clientSecret: input.clientSecret,
        authMethod: options.authMethod,
        redirectUri: options.redirectUri,
      },
      metadata.tokenEndpoint,
      options,
    ),
  ];
}

function checkTyped(input: OktaConnection, allowLoopback: boolean): CheckResult[] {
  const problems: CheckResult[] = [];
  // The fixes for the rules the issuer breaks, and only those (the same words as `tenant put`).
  const problem = issuerProblem(input.issuer, allowLoopback, { exact: true });
  if (problem)
    problems.push({ check: 'issuer', ok: false, message: WORDS.issuer_invalid({ issuer: input.issuer, problem }) });
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
