/**
 * The demo as two people share one browser, at desktop and phone widths:
 * Ada signs in from the demo Okta tile and sees her roles; the demo Okta,
 * like Okta, keeps her signed in there, so a tile click brings Ada back even
 * after she signed out of the app; signing out on the demo Okta dashboard
 * makes the next tile click ask who you are, and Grace signs in with her own
 * roles, without a private window. Screenshots go to test-results/screenshots/.
 */

import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.ts';
import { overflowsSideways, screenshot, watchPage } from '../support/chromium.ts';
import { completeLoginInChromium } from '../support/complete-login.ts';
import { test, WIDTHS } from '../support/fixtures.ts';

let stack: LocalStack;
let browser: Browser;

test.beforeAll(({ localStack, chromium }) => {
  stack = localStack;
  browser = chromium;
});

async function landing(page: Page) {
  return {
    heading: await page.locator('h1').textContent(),
    role: await page.getByTestId('role').textContent(),
    roles: await page.getByTestId('roles').textContent(),
  };
}

describe.each(WIDTHS)('two people in one browser ($name)', ({ name, context: options }) => {
  it('shows each one’s roles and switches from Ada to Grace by signing out of the demo Okta', async () => {
    const dashboard = stack.demoIdp?.dashboardUrl ?? '';
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const problems = watchPage(page);

    await page.goto(dashboard);
    await expect(page.getByTestId('idp-session').textContent()).resolves.toContain('Not signed in');
    await completeLoginInChromium(page, stack, /Ada Lovelace/);
    // Ada is in Admins and Engineering: two app roles, besides being the tenant's first user (owner).
    await expect(landing(page)).resolves.toEqual({
      heading: 'Welcome, Ada Lovelace',
      role: 'owner',
      roles: 'admin, engineer',
    });
    await expect(overflowsSideways(page)).resolves.toBe(false);
    await screenshot(page, `${name}-switch-1-ada-roles`);

    // Signing out of the app alone: the demo Okta still knows Ada, and its tile signs her straight in.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    await page.goto(dashboard);
    await expect(page.getByTestId('idp-session').textContent()).resolves.toContain('Signed in as Ada Lovelace');
    await expect(overflowsSideways(page)).resolves.toBe(false);
    await screenshot(page, `${name}-switch-2-okta-dashboard-ada`);
    await page.click('a.tile');
    await page.waitForURL(stack.appUrl ?? '');
    await expect(page.locator('h1').textContent()).resolves.toBe('Welcome, Ada Lovelace');

    // The way to someone else: the app's hint leads to the demo Okta dashboard's sign-out.
    await page.getByRole('link', { name: 'demo Okta dashboard' }).click();
    await page.waitForURL(dashboard);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign out of the demo Okta?' }).waitFor();
    await expect(overflowsSideways(page)).resolves.toBe(false);
    await screenshot(page, `${name}-switch-3-okta-sign-out`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\?signed-out$/);
    await expect(page.getByTestId('idp-session').textContent()).resolves.toContain('You are signed out');
    await screenshot(page, `${name}-switch-4-okta-signed-out`);

    await completeLoginInChromium(page, stack, /Grace Hopper/, {
      onSignInPage: () => screenshot(page, `${name}-switch-5-okta-who-are-you`),
    });
    await expect(landing(page)).resolves.toEqual({
      heading: 'Welcome, Grace Hopper',
      role: 'member',
      roles: 'engineer',
    });
    await expect(overflowsSideways(page)).resolves.toBe(false);
    await screenshot(page, `${name}-switch-6-grace-roles`);

    // The app's session is Grace's now, roles included, as /me tells any app.
    const me = await page.request.get(`${stack.url}/me`, { headers: { accept: 'application/json' } });
    expect(await me.json()).toMatchObject({ user: { name: 'Grace Hopper', role: 'member', roles: ['engineer'] } });
    expect(problems).toEqual([]);
    await context.close();
  });
});
