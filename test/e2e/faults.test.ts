/**
 * Dependency faults: DynamoDB down or throttling, Okta's token endpoint slow or
 * failing, discovery and JWKS unreachable with and without cached copies. The
 * user gets a clear page within seconds, nothing is half-written, and logins
 * work again once the dependency recovers.
 */
import { describe, expect, it } from 'vitest';
import { type DynamoDbProxy, startDynamoDbProxy } from '../../local/dynamodb-proxy.ts';
import { TestBrowser } from '../../local/http-browser.ts';
import { testWithFront } from '../support/fixtures.ts';
import type { MisbehavingStack } from '../support/misbehaving-stack.ts';

const test = testWithFront(startDynamoDbProxy);
test.override('stackOptions', { env: { IDP_TIMEOUT_MS: '1000' } });

let env: MisbehavingStack;
let proxy: DynamoDbProxy;

test.beforeAll(({ stack, dynamoDbFront }) => {
  env = stack;
  proxy = dynamoDbFront;
});

async function me(browser: TestBrowser) {
  return browser.request(`${env.stack.url}/me`, { headers: { accept: 'application/json' } });
}

describe('DynamoDB faults', () => {
  it('answers 503 while DynamoDB is down, writes nothing, and recovers', async () => {
    // Warm the tenant cache so the outage hits the callback, the interesting moment
    // (the first login, which made ada the owner, refreshes the tenant on the next request).
    expect((await env.login('ada')).callback?.status).toBe(302);
    const ada = await env.login('ada');
    expect(ada.callback?.status).toBe(302);
    const [users, sessions] = [await env.count('user'), await env.count('session')];

    proxy.mode = 'down';
    const { callback, browser } = await env.login('grace');
    expect(callback?.status).toBe(503);
    expect(callback?.body).toContain('try again');
    // A signed-in user's /me says "try again", not "signed out".
    expect((await me(ada.browser)).status).toBe(503);

    proxy.mode = 'normal';
    expect((await me(ada.browser)).status).toBe(200);
    expect(await env.count('user')).toBe(users);
    expect(await env.count('session')).toBe(sessions);
    const retry = await env.login('grace', browser);
    expect(retry.callback?.status).toBe(302);
    expect(JSON.parse((await me(browser)).body).user.role).toBe('member');
  });

  it('answers 503 when DynamoDB throttles', async () => {
    proxy.mode = 'throttle';
    const { callback } = await env.login('ada');
    proxy.mode = 'normal';
    expect(callback?.status).toBe(503);
  });

  it('keeps user and session consistent when the login transaction fails halfway', async () => {
    const [users, sessions] = [await env.count('user'), await env.count('session')];
    proxy.mode = { throttle: 'TransactWriteItems' };
    const { callback, browser } = await env.login('linus');
    proxy.mode = 'normal';
    expect(callback?.status).toBe(503);
    // The state was used up, but neither user nor session exists: nothing half-written.
    expect(await env.count('user')).toBe(users);
    expect(await env.count('session')).toBe(sessions);
    const retry = await env.login('linus', browser);
    expect(retry.callback?.status).toBe(302);
    expect(await env.count('user')).toBe(users + 1);
    expect(JSON.parse((await me(browser)).body).user.role).toBe('member');
  });
});

describe('Okta faults', () => {
  it('gives up on a slow token endpoint within the IdP timeout with a 502 page for the admin', async () => {
    env.idp.setTokenEndpoint({ delayMs: 4000 });
    const started = Date.now();
    const { callback } = await env.login('ada');
    env.idp.setTokenEndpoint('normal');
    expect(callback?.status).toBe(502);
    expect(Date.now() - started).toBeLessThan(3500);
    expect(callback?.body).toContain('did not answer within 1 s');
  });

  it('explains a failing token endpoint', async () => {
    env.idp.setTokenEndpoint({ status: 401, body: JSON.stringify({ error: 'invalid_client' }) });
    const { callback } = await env.login('ada');
    env.idp.setTokenEndpoint('normal');
    expect(callback?.status).toBe(502);
    expect(callback?.body).toContain('client secret');
  });

  it('keeps logging in while discovery and JWKS are unreachable but cached', async () => {
    expect((await env.login('ada')).callback?.status).toBe(302);
    env.idp.setDiscovery('unreachable');
    await env.idp.setJwks('unreachable');
    const { callback } = await env.login('ada');
    env.idp.setDiscovery('normal');
    await env.idp.setJwks('normal');
    expect(callback?.status).toBe(302);
  });

  it('says so clearly when discovery is unreachable and nothing is cached', async () => {
    const down = await env.addTenant('unreachable_okta', { clientId: 'c', clientSecret: 's', ownIdp: true });
    down.idp.setDiscovery('unreachable');
    const response = await new TestBrowser().request(`${env.stack.url}/t/unreachable_okta/login`);
    expect(response.status).toBe(502);
    expect(response.body).toContain('could not reach');
    expect(response.body).toContain('.well-known/openid-configuration');
  });

  it('says so clearly when the JWKS is unreachable and no keys are cached', async () => {
    const noKeys = await env.addTenant('no_keys', { clientId: 'nk', clientSecret: 'nk-secret', ownIdp: true });
    await noKeys.idp.setJwks('unreachable');
    const { callback } = await env.login('ada', { tenant: 'no_keys' });
    expect(callback?.status).toBe(502);
    expect(callback?.body).toContain('signing keys');
  });
});
