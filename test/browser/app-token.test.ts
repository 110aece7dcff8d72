/**
 * The app's side, in Chromium at desktop and phone widths: a tile click on the
 * demo Okta lands on the demo app on its own origin, whose page fetches a
 * session token from the service (CORS, with credentials) and has its own
 * backend verify it (local/demo-app-verify.ts); sign out there, and the next
 * `/session/token` is 401. The same app opened as 127.0.0.1 (another site)
 * gets no session cookie. Screenshots go to test-results/screenshots/.
 */
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../local/free-port.ts';
import { DEMO_TENANT, type LocalStack } from '../../local/stack.ts';
import { SCREENSHOTS as SHOTS, watchPage as watch } from '../support/chromium.ts';
import { completeLoginInChromium } from '../support/complete-login.ts';
import { test } from '../support/fixtures.ts';

test.override('stackOptions', async () => {
  const demoAppPort = await freePort();
  // The same app opened by IP: allowed, so its page can read the 401 it gets there.
  return { demoAppPort, env: { APP_ORIGINS: `http://127.0.0.1:${demoAppPort}` } };
});

let stack: LocalStack;
let browser: Browser;
let demoAppPort: number | undefined;

test.beforeAll(({ stackOptions, localStack, chromium }) => {
  demoAppPort = stackOptions.demoAppPort;
  stack = localStack;
  browser = chromium;
});

const VIEWPORTS = [
  ['desktop', { width: 1280, height: 800 }, false],
  ['phone', { width: 390, height: 844 }, true],
] as const;

describe.each(VIEWPORTS)('the app on its own origin, %s', (name, viewport, isMobile) => {
  it('shows the user its backend verified from a session token, signs out, and the next token is 401', async () => {
    const context = await browser.newContext({ viewport, isMobile, hasTouch: isMobile });
    const page = await context.newPage();
    const problems = watch(page);
    const apiCalls: Array<{ authorization: string | undefined }> = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/me') {
        apiCalls.push({ authorization: request.headers().authorization });
      }
    });
    await page.goto(stack.demoIdp?.dashboardUrl ?? '');
    await completeLoginInChromium(page, stack, /Ada Lovelace/);
    expect(new URL(page.url()).origin).not.toBe(stack.url);
    await page.getByRole('heading', { name: /Welcome, Ada Lovelace/ }).waitFor();
    await page.screenshot({ path: `${SHOTS}/app-token-${name}-1-verified.png`, fullPage: true });
    await expect(page.getByTestId('tenant').textContent()).resolves.toBe(DEMO_TENANT);
    await expect(page.getByTestId('role').textContent()).resolves.toBe('owner');
    await expect(page.getByTestId('roles').textContent()).resolves.toContain('admin');
    await expect(page.getByTestId('verified-by').isVisible()).resolves.toBe(true);
    // The page called the app's own backend with the token as a bearer (never a cookie of ours).
    expect(apiCalls.length).toBeGreaterThan(0);
    expect(apiCalls[0]?.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/app-token-${name}-2-signed-out.png`, fullPage: true });
    const token = await page.request.get(`${stack.url}/session/token`);
    expect(token.status()).toBe(401);
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'You are not signed in' }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe('the app on another site', () => {
  it('gets no session cookie from the service when opened as 127.0.0.1 (SameSite=Lax), though signed in on localhost', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(stack.demoIdp?.dashboardUrl ?? '');
    await completeLoginInChromium(page, stack, /Grace Hopper/);
    await page.getByRole('heading', { name: /Welcome, Grace Hopper/ }).waitFor();

    const statuses: number[] = [];
    page.on('response', (response) => {
      if (response.url().endsWith('/session/token')) statuses.push(response.status());
    });
    await page.goto(`http://127.0.0.1:${demoAppPort}/`);
    await page.getByRole('heading', { name: 'You are not signed in' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/app-token-cross-site.png`, fullPage: true });
    expect(statuses).toEqual([401]);
    // Still signed in for the same-site app.
    await page.goto(stack.appUrl ?? '');
    await page.getByRole('heading', { name: /Welcome, Grace Hopper/ }).waitFor();
    await context.close();
  });
});
