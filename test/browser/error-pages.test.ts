/**
 * The error pages people and Okta admins actually see, in Chromium at desktop
 * and phone (375 px) widths: an already-used sign-in link, one from another
 * browser, an expired one, a signed-out /me, an unknown address, a sign-in that
 * could not be verified, and an issuer that answers 404. Each says what
 * happened and what to do, offers to start again where that helps, fits the
 * screen, and breaks no CSP rule. Screenshots go to test-results/screenshots/.
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_TENANT, type LocalStack, registerTenant } from '../../local/stack.ts';
import { closeDocumentClient, createDocumentClient } from '../../shared/adapters/dynamodb/client.ts';
import { storesOn } from '../../shared/adapters/runtime.ts';
import { hashSessionToken, parseSessionCookie } from '../../shared/sessions.ts';
import { overflowsSideways, screenshot, watchPage } from '../support/chromium.ts';
import { completeLoginInChromium, expiredLoginState } from '../support/complete-login.ts';
import { test, WIDTHS } from '../support/fixtures.ts';

let stack: LocalStack;
let browser: Browser;
let notFoundIssuer: Server;

test.beforeAll(async ({ localStack, chromium }) => {
  stack = localStack;
  browser = chromium;
  // An "issuer" that answers 404 to discovery: a mistyped issuer URL.
  notFoundIssuer = createServer((_req, res) => res.writeHead(404).end('not here'));
  await new Promise<void>((resolve) => notFoundIssuer.listen(0, '127.0.0.1', resolve));
  await registerTenant(stack.dynamoDbEndpoint, stack.tableName, {
    tenantId: 'typo_issuer',
    issuer: `http://127.0.0.1:${(notFoundIssuer.address() as AddressInfo).port}/oauth2/defualt`,
    clientId: 'c',
    clientSecret: 's',
  });
});

afterAll(() => {
  notFoundIssuer?.close();
});

/** Signs in through the demo tile and returns the callback URL the browser went through. */
async function signIn(page: Page): Promise<string> {
  let callback = '';
  page.on('request', (request) => {
    if (request.url().includes(`/t/${DEMO_TENANT}/callback`)) callback = request.url();
  });
  await completeLoginInChromium(page, stack, /Ada/, { startUrl: `${stack.url}/t/${DEMO_TENANT}/login` });
  return callback;
}

/** What the page says, read without waiting for elements that a page may rightly not have. */
async function look(page: Page) {
  const restart = page.getByRole('link', { name: 'Start sign-in again' });
  const admin = page.locator('.admin');
  return {
    title: await page.locator('h1').textContent(),
    text: await page.locator('main').textContent(),
    restart: (await restart.count()) > 0 ? await restart.getAttribute('href') : null,
    admin: (await admin.count()) > 0 ? await admin.textContent() : null,
  };
}

describe.each(WIDTHS)('error pages ($name)', ({ name, context: options }) => {
  it('tells an already-used sign-in link from one of another browser and from an expired one', async () => {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const problems = watchPage(page);
    const callback = await signIn(page);

    const used = await page.goto(callback);
    expect(used?.status()).toBe(400);
    const usedPage = await look(page);
    expect(usedPage.title).toBe('Sign-in link already used');
    expect(usedPage.restart).toBe(`/t/${DEMO_TENANT}/login`);
    expect(await overflowsSideways(page)).toBe(false);
    await screenshot(page, `${name}-error-1-link-already-used`);

    // A fresh login's callback opened in a browser that did not start it.
    const starter = await browser.newContext(options);
    const elsewhere = await starter.newPage();
    const started = await elsewhere.request.get(`${stack.url}/t/${DEMO_TENANT}/login`, { maxRedirects: 0 });
    const state = new URL(started.headers().location ?? '').searchParams.get('state');
    await page.goto(`${stack.url}/t/${DEMO_TENANT}/callback?code=x&state=${state}`);
    const otherBrowser = await look(page);
    expect(otherBrowser.title).toBe('Sign-in expired');
    expect(otherBrowser.text).toContain('started in another browser');
    await screenshot(page, `${name}-error-2-link-from-another-browser`);
    await starter.close();

    // This browser's own login, come back after its state expired: sealed as the service would,
    // with an expiry in the past.
    const stateId = 'C'.repeat(22);
    const stateCookie = await expiredLoginState(DEMO_TENANT, stateId);
    // Chromium takes a __Host- cookie only from a response of the site itself: serve one from a routed URL.
    await page.route(`${stack.url}/__set-state`, (route) =>
      route.fulfill({
        status: 204,
        headers: { 'set-cookie': `${stateCookie}; Path=/; Secure; HttpOnly; SameSite=Lax` },
      }),
    );
    await page.goto(`${stack.url}/__set-state`).catch(() => undefined);
    await page.goto(`${stack.url}/t/${DEMO_TENANT}/callback?code=x&state=${stateId}`);
    const expired = await look(page);
    expect(expired.title).toBe('Sign-in expired');
    expect(expired.text).toContain('took too long');
    expect(expired.restart).toBe(`/t/${DEMO_TENANT}/login`);
    await screenshot(page, `${name}-error-2b-link-expired`);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('offers sign-in on a signed-out /me and names the tenant of the ended session', async () => {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const problems = watchPage(page);
    await signIn(page);
    // The session ends server-side (revoked, expired, logged out elsewhere); the browser still has its cookie.
    const cookie = (await context.cookies(stack.url)).find((entry) => entry.name === '__Host-session');
    const token = parseSessionCookie(cookie?.value)?.token ?? '';
    const client = createDocumentClient({ endpoint: stack.dynamoDbEndpoint });
    await storesOn(client, stack.tableName).sessions.deleteSession(hashSessionToken(token));
    closeDocumentClient(client);
    const response = await page.goto(`${stack.url}/me`);
    expect(response?.status()).toBe(401);
    const signedOut = await look(page);
    expect(signedOut.title).toBe('Not signed in');
    expect(signedOut.restart).toBe(`/t/${DEMO_TENANT}/login`);
    expect(await overflowsSideways(page)).toBe(false);
    await screenshot(page, `${name}-error-3-signed-out-me`);
    const json = await page.request.get(`${stack.url}/me`, { headers: { accept: 'application/json' } });
    expect(await json.json()).toMatchObject({ error: 'NOT_AUTHENTICATED', restartUrl: `/t/${DEMO_TENANT}/login` });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('answers an unknown address with the same styled page, and JSON when asked', async () => {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const problems = watchPage(page);
    for (const path of ['/no/such/page', '/logout']) {
      const response = await page.goto(`${stack.url}${path}`);
      expect(response?.status(), path).toBe(404);
      expect((await look(page)).title).toBe('Page not found');
      expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    }
    await screenshot(page, `${name}-error-4-unknown-address`);
    const json = await page.request.get(`${stack.url}/no/such/page`, { headers: { accept: 'application/json' } });
    expect(json.status()).toBe(404);
    expect(await json.json()).toMatchObject({ error: 'ROUTE_NOT_FOUND', correlationId: expect.any(String) });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('explains a sign-in that could not be verified, with a hint for the admin that fits the screen', async () => {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const problems = watchPage(page);
    const response = await page.goto(`${stack.url}/t/${DEMO_TENANT}/callback?code=x&state=not-a-state`);
    expect(response?.status()).toBe(400);
    const unverified = await look(page);
    expect(unverified.admin).toContain('sign-in redirect URI');
    expect(await overflowsSideways(page)).toBe(false);
    await screenshot(page, `${name}-error-5-could-not-verify`);

    const typo = await page.goto(`${stack.url}/t/typo_issuer/login`);
    expect(typo?.status()).toBe(502);
    const issuerPage = await look(page);
    expect(issuerPage.admin).toContain('the issuer URL is probably wrong');
    expect(await overflowsSideways(page)).toBe(false);
    await screenshot(page, `${name}-error-6-issuer-404`);
    expect(problems).toEqual([]);
    await context.close();
  });
});
