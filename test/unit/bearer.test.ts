/**
 * The one Bearer header grammar (RFC 6750 §2.1) and the callers that read it:
 * the authorizer's app credentials, SCIM and Universal Logout used to accept
 * three different spellings.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { AppCredentialVerifier } from '../../shared/app-credentials.ts';
import { createAuthorizer } from '../../shared/authorizer.ts';
import { readConfig } from '../../shared/config.ts';
import { parseBearerToken } from '../../shared/http/bearer.ts';
import type { SessionStore, TenantStore } from '../../shared/ports.ts';
import { authenticate, hashScimToken, newScimToken } from '../../shared/scim/auth.ts';
import type { ScimDependencies } from '../../shared/scim/dependencies.ts';
import type { TenantConfig } from '../../shared/tenants.ts';
import { bearerToken, readRevocationRequest } from '../../shared/universal-logout/read-request.ts';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

describe('parseBearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['Bearer   abc', 'abc'],
    ['  Bearer abc  ', 'abc'],
    [`Bearer ${JWT}`, JWT],
    ['Bearer a-b.c_d~e+f/g==', 'a-b.c_d~e+f/g=='],
  ])('reads %j as %j', (value, token) => {
    expect(parseBearerToken(value)).toBe(token);
  });

  it.each([
    undefined,
    '',
    'Bearer',
    'Bearer ',
    'Bearerabc',
    'Bearer\tabc',
    'Basic dXNlcjpwYXNz',
    'Bearer a b',
    'Bearer a,Bearer b',
    'Bearer a=b',
    'Bearer ä',
    'Bearer "abc"',
    'Token abc',
  ])('finds no bearer token in %j', (value) => {
    expect(parseBearerToken(value)).toBeUndefined();
  });
});

describe('Every caller reads the same grammar', () => {
  /** The token the authorizer hands to the app credential verifier for this header, if any. */
  async function tokenSeenByAuthorizer(authorization: string): Promise<string | undefined> {
    let seen: string | undefined;
    const appCredentials: AppCredentialVerifier = {
      verify: async (token) => {
        seen = token;
        return undefined;
      },
    };
    const authorize = createAuthorizer({
      config: readConfig({ TABLE_NAME: 't' }),
      sessions: {} as SessionStore,
      tenantStore: {} as TenantStore,
      logger: new Logger({ serviceName: 'okta-login', logLevel: 'SILENT' }),
      now: () => new Date(),
      appCredentials,
    });
    const event = {
      type: 'REQUEST',
      routeKey: 'GET /app/whoami',
      headers: { authorization, 'x-tenant-id': 'acme' },
    } as unknown as APIGatewayRequestAuthorizerEventV2;
    expect(await authorize(event, { awsRequestId: 'r' } as Context)).toEqual({ isAuthorized: false });
    return seen;
  }

  const universalLogoutToken = (authorization: string) => {
    const event = {
      headers: { authorization },
      pathParameters: { tenant: 'acme' },
    } as unknown as APIGatewayProxyEventV2;
    try {
      return bearerToken(readRevocationRequest(event));
    } catch {
      return undefined;
    }
  };

  const scimToken = newScimToken();
  /** Whether SCIM accepts the header for a tenant whose token is `scimToken`. */
  const scimAccepts = async (authorization: string) => {
    const tenant = { tenantId: 'acme' } as TenantConfig;
    const deps = {
      scim: { getScimContext: async () => ({ tenant, tokenHash: hashScimToken(scimToken) }) },
      logger: new Logger({ serviceName: 'okta-login', logLevel: 'SILENT' }),
    } as unknown as ScimDependencies;
    const event = {
      headers: { authorization },
      pathParameters: { tenant: 'acme' },
    } as unknown as APIGatewayProxyEventV2;
    return authenticate(deps, event).then(
      () => true,
      () => false,
    );
  };

  // The authorizer took only `Bearer` and one space; SCIM no surrounding whitespace; Universal Logout all three.
  it.each([
    ['bearer %s', 'any case'],
    ['Bearer   %s', 'several spaces'],
    [' Bearer %s ', 'surrounding whitespace'],
  ])('reads %j (%s) in the authorizer, SCIM and Universal Logout', async (template) => {
    expect(await tokenSeenByAuthorizer(template.replace('%s', JWT))).toBe(JWT);
    expect(universalLogoutToken(template.replace('%s', JWT))).toBe(JWT);
    expect(await scimAccepts(template.replace('%s', scimToken))).toBe(true);
  });

  it.each(['Bearer\t%s', 'Bearer %s %s', 'Bearer %s,Bearer %s', 'Basic %s'])('reads %j nowhere', async (template) => {
    expect(await tokenSeenByAuthorizer(template.replaceAll('%s', JWT))).toBeUndefined();
    expect(universalLogoutToken(template.replaceAll('%s', JWT))).toBeUndefined();
    expect(await scimAccepts(template.replaceAll('%s', scimToken))).toBe(false);
  });
});
