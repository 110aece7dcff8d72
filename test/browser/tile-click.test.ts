/**
 * The product as people meet it, in a real browser: Chromium (the system's, or
 * the one in the @sparticuz/chromium package; see test/support/chromium.ts)
 * driven by playwright-core against the local stack. Cookies, redirects,
 * SameSite and CSP behave here as they will for users. Screenshots of every step go to
 * test-results/screenshots/.
 */

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO_TENANT, type LocalStack } from '../../local/stack.ts';
import { screenshot as shot, watchPage as watch } from '../support/chromium.ts';
import { completeLoginInChromium } from '../support/complete-login.ts';
import { test } from '../support/fixtures.ts';

let stack: LocalStack;
let browser: Browser;

test.beforeAll(({ localStack, chromium }) => {
  stack = localStack;
  browser = chromium;
});

async function signInThroughTile(context: BrowserContext, user: string, prefix: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(stack.demoIdp?.dashboardUrl ?? '');
  await page.getByRole('heading', { name: 'My Apps' }).waitFor();
  await shot(page, `${prefix}-1-okta-dashboard`);
  await completeLoginInChromium(page, stack, new RegExp(user), {
    onSignInPage: () => shot(page, `${prefix}-2-okta-sign-in`),
  });
  await shot(page, `${prefix}-3-signed-in`);
  return page;
}

describe('Okta tile click in Chromium', () => {
  it('signs in from the dashboard tile, keeps the session on reload, and signs out', async () => {
    const context = await browser.newContext();
    const page = await signInThroughTile(context, 'Ada Lovelace', 'ada');
    const problems = watch(page);
    // The app on its own origin (APP_URL) read the session from /me through CORS.
    expect(new URL(page.url()).origin).not.toBe(stack.url);
    await expect(page.locator('h1').textContent()).resolves.toContain('Ada Lovelace');
    await expect(page.getByTestId('role').textContent()).resolves.toBe('owner');

    const cookies = await context.cookies(stack.url);
    const session = cookies.find((cookie) => cookie.name === '__Host-session');
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    expect(cookies.some((cookie) => cookie.name.startsWith('__Host-login-'))).toBe(false);

    await page.reload();
    await expect(page.getByTestId('role').textContent()).resolves.toBe('owner');
    await shot(page, 'ada-4-after-reload');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    await shot(page, 'ada-5-signed-out');
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'You are not signed in' }).waitFor();
    const me = await page.request.get(`${stack.url}/me`);
    expect(me.status()).toBe(401);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('signs a second person in, in another context, as a member', async () => {
    const context = await browser.newContext();
    const page = await signInThroughTile(context, 'Grace Hopper', 'grace');
    await expect(page.locator('h1').textContent()).resolves.toContain('Grace Hopper');
    await expect(page.getByTestId('role').textContent()).resolves.toBe('member');
    await context.close();
  });
});

describe('Pages people see', () => {
  it('explains an unknown organization', async () => {
    const page = await browser.newPage();
    const problems = watch(page);
    const response = await page.goto(`${stack.url}/t/nobody/login`);
    expect(response?.status()).toBe(404);
    await expect(page.locator('h1').textContent()).resolves.toBe('Unknown organization');
    await expect(page.locator('body').textContent()).resolves.toContain('Okta administrator');
    // The inline stylesheet is allowed by its CSP hash: styles apply, nothing is refused.
    const padding = await page.locator('main').evaluate((element) => getComputedStyle(element).paddingTop);
    expect(padding).toBe('32px');
    await shot(page, 'error-unknown-tenant');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('tells an unassigned user what to ask their admin', async () => {
    const page = await browser.newPage();
    // A genuine login of this browser that Okta refuses: Okta's error is shown only then.
    // (page.request shares the browser's cookies: the login-state cookie lands in this browser.)
    const initiate = await page.request.get(`${stack.url}/t/${DEMO_TENANT}/login`, { maxRedirects: 0 });
    const state = new URL(initiate.headers().location ?? '').searchParams.get('state');
    const response = await page.goto(
      `${stack.url}/t/${DEMO_TENANT}/callback?error=access_denied&error_description=User+is+not+assigned+to+the+client+application.&state=${state}`,
    );
    expect(response?.status()).toBe(403);
    await expect(page.locator('h1').textContent()).resolves.toBe('You are not assigned to this app');
    await expect(page.locator('.admin').textContent()).resolves.toContain('Assignments');
    await shot(page, 'error-not-assigned');
    await page.close();
  });

  it('says so when the organization’s Okta cannot be reached', async () => {
    const { registerTenant } = await import('../../local/stack.ts');
    await registerTenant(stack.dynamoDbEndpoint, stack.tableName, {
      tenantId: 'offline_okta',
      issuer: 'http://127.0.0.1:1',
      clientId: 'c',
      clientSecret: 's',
    });
    const page = await browser.newPage();
    const response = await page.goto(`${stack.url}/t/offline_okta/login`);
    expect(response?.status()).toBe(502);
    await expect(page.locator('h1').textContent()).resolves.toBe('Could not reach your Okta');
    await expect(page.locator('.admin').textContent()).resolves.toContain('openid-configuration');
    await shot(page, 'error-provider-unreachable');
    await page.close();
  });

  it('offers "start again" when a sign-in expired, and starting again works', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${stack.url}/t/${DEMO_TENANT}/callback?code=stale&state=AAAAAAAAAAAAAAAAAAAAAA`);
    expect(response?.status()).toBe(400);
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign-in expired');
    await shot(page, 'error-login-expired');
    await page.getByRole('link', { name: 'Start sign-in again' }).click();
    await page.waitForURL(/\/interaction\//);
    await page.getByRole('button', { name: /Linus Torvalds/ }).click();
    await page.waitForURL(stack.appUrl ?? '');
    await expect(page.locator('h1').textContent()).resolves.toContain('Linus Torvalds');
    await context.close();
  });
});
