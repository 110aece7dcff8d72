/**
 * The setup link as a customer's Okta admin uses it, in Chromium at desktop
 * and phone (375 px) widths, against the local stack's demo Okta: open the
 * link (for a tenant whose role map was set without --groups: groups are asked
 * for anyway), create the app integration on the demo Okta's admin page with
 * the values the setup page gives, paste a wrong issuer, a wrong secret, then
 * the right ones; create the SCIM token and reload (no second token: the page
 * says when it was created); test a sign-in without a groups claim (warning),
 * add the claim, test again (claims shown), activate, open the page again (it
 * says when the link activated the tenant), and sign in for real from the
 * tile as the tenant's first owner. Every page of ours fits the screen and
 * breaks no CSP rule; screenshots of each step go to test-results/screenshots/.
 */

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { DemoIdp } from '../../local/demo-idp.ts';
import type { LocalStack } from '../../local/stack.ts';
import { closeDocumentClient, createDocumentClient } from '../../shared/adapters/dynamodb/client.ts';
import { storesOn } from '../../shared/adapters/runtime.ts';
import { overflowsSideways, screenshot, watchPage } from '../support/chromium.ts';
import { cli } from '../support/cli.ts';
import { test, WIDTHS } from '../support/fixtures.ts';

test.override('stackOptions', { env: { TENANT_CACHE_SECONDS: '1' } });

let stack: LocalStack;
let browser: Browser;
let demoIdp: DemoIdp;

test.beforeAll(({ localStack, demoOkta, chromium }) => {
  stack = localStack;
  demoIdp = demoOkta;
  browser = chromium;
});

/** Our page fits the screen and broke no CSP rule so far; then its screenshot. */
async function step(page: Page, problems: string[], name: string): Promise<void> {
  expect(await overflowsSideways(page), `${name} overflows sideways`).toBe(false);
  expect(problems, name).toEqual([]);
  await screenshot(page, name);
}

/** Fills and sends the connect form. */
async function connect(page: Page, values: { issuer: string; clientId: string; clientSecret: string }) {
  await page.fill('#issuer', values.issuer);
  await page.fill('#client_id', values.clientId);
  await page.fill('#client_secret', values.clientSecret);
  await page.getByRole('button', { name: 'Check and save' }).click();
  await page.locator('[data-testid="checks"]').waitFor();
}

/** Runs the test sign-in: a new tab that signs in at the demo Okta (as Ada, if asked) and lands on the setup page. */
async function testSignIn(context: BrowserContext, page: Page, tenant: string, problems: string[]): Promise<Page> {
  const [tab] = await Promise.all([
    context.waitForEvent('page'),
    page.getByRole('button', { name: /Test sign-in/ }).click(),
  ]);
  problems.push(...watchPage(tab));
  await tab.waitForURL((url) => url.pathname.startsWith('/interaction/') || url.pathname === `/t/${tenant}/setup`);
  if (new URL(tab.url()).pathname.startsWith('/interaction/')) {
    await tab.getByRole('button', { name: /Ada/ }).click();
  }
  await tab.waitForURL(`${stack.url}/t/${tenant}/setup#test-result`);
  await tab.locator('[data-testid="test-result"]').waitFor();
  return tab;
}

describe.each(WIDTHS)('Setup link in Chromium ($name)', ({ name, context: options }) => {
  const tenant = `setup_${name}`;

  it('walks the Okta admin from the link to a live tile whose first sign-in is the owner', async () => {
    const invite = await cli('invite', tenant);
    expect(invite.code, invite.stderr).toBe(0);
    // Roles mapped without --groups: the role map alone makes every sign-in ask Okta for groups.
    expect((await cli('put', tenant, '--role-map', 'Admins=admin')).code).toBe(0);
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const problems = watchPage(page);

    // 1. The link: exchanged for a cookie, the token gone from the address bar.
    await page.goto(invite.output.url);
    await page.waitForURL(`${stack.url}/t/${tenant}/setup`);
    expect(page.url()).not.toContain('token');
    await expect(page.locator('h1').textContent()).resolves.toBe('Set up sign-in with Okta');
    const copyValues = await page.locator('code.copy').allTextContents();
    expect(copyValues).toEqual([
      `${stack.url}/t/${tenant}/callback`,
      `${stack.url}/t/${tenant}/login`,
      `${stack.url}/t/${tenant}/global-token-revocation`,
      `${stack.url}/t/${tenant}/scim/v2`,
    ]);
    await step(page, problems, `${name}-setup-1-link-opened`);

    // Until activation the tile says so, with a hint for the admin.
    const early = await context.newPage();
    problems.push(...watchPage(early));
    expect((await early.goto(`${stack.url}/t/${tenant}/login`))?.status()).toBe(403);
    await expect(early.locator('h1').textContent()).resolves.toBe('Setup not finished');
    await expect(early.locator('.admin').textContent()).resolves.toContain('press Activate');
    await step(early, problems, `${name}-setup-1b-tile-before-activation`);
    await early.close();

    // 2. The app integration in the demo Okta, with the values copied from the setup page.
    const okta = await context.newPage();
    await okta.goto(demoIdp.adminUrl);
    await okta.fill('#name', `Setup ${name}`);
    await okta.fill('#redirect_uri', copyValues[0] ?? '');
    await okta.fill('#initiate_login_uri', copyValues[1] ?? '');
    await screenshot(okta, `${name}-setup-2-okta-create-app`);
    await okta.getByRole('button', { name: 'Save' }).click();
    const clientId = (await okta.getByTestId('client-id').textContent()) ?? '';
    const clientSecret = (await okta.getByTestId('client-secret').textContent()) ?? '';
    const issuer = (await okta.getByTestId('issuer').textContent()) ?? '';

    // 3. A wrong issuer, then a wrong secret: results in words, nothing saved, the secret never shown.
    await connect(page, { issuer: `${issuer}/oauth2/default`, clientId, clientSecret });
    await expect(page.getByTestId('checks').textContent()).resolves.toContain('the issuer URL is probably wrong');
    await expect(page.getByTestId('not-saved').isVisible()).resolves.toBe(true);
    await expect(page.locator('#client_secret').inputValue()).resolves.toBe('');
    await step(page, problems, `${name}-setup-3-wrong-issuer`);

    await connect(page, { issuer, clientId, clientSecret: 'not-the-secret' });
    await expect(page.getByTestId('checks').textContent()).resolves.toContain('invalid_client');
    await step(page, problems, `${name}-setup-4-wrong-secret`);

    await expect(page.getByRole('checkbox').count()).resolves.toBe(0);
    await connect(page, { issuer, clientId, clientSecret });
    await expect(page.getByTestId('saved').isVisible()).resolves.toBe(true);
    expect(await page.content()).not.toContain(clientSecret);
    await step(page, problems, `${name}-setup-5-connected`);

    // SCIM provisioning's step: its base URL, and a token shown once.
    await expect(page.locator('#okta-app').textContent()).resolves.toContain(`${stack.url}/t/${tenant}/scim/v2`);
    await page.getByRole('button', { name: 'Create SCIM token (shown once)' }).click();
    const scimToken = (await page.getByTestId('revealed-scim-token').locator('code.copy').textContent()) ?? '';
    expect(scimToken).toMatch(/^[\w-]{40,}$/);
    await step(page, problems, `${name}-setup-5b-scim-token-shown-once`);
    // A reload sends the form again: no second token (the one shown stays valid), and the page says when.
    await page.reload();
    const repeated = page.getByTestId('repeated-scim-token');
    await expect(repeated.textContent()).resolves.toMatch(/A SCIM token was created at .* UTC with this form/);
    expect(await page.content()).not.toContain(scimToken);
    const scim = await fetch(`${stack.url}/t/${tenant}/scim/v2/Users?count=1`, {
      headers: { authorization: `Bearer ${scimToken}` },
    });
    expect(scim.status).toBe(200);
    await step(page, problems, `${name}-setup-5c-scim-form-sent-again`);

    // 4. A test sign-in while the Okta app sends no groups claim: the warning says what to fix.
    let tab = await testSignIn(context, page, tenant, problems);
    await expect(tab.getByTestId('groups').textContent()).resolves.toBe('(no groups claim)');
    await expect(tab.getByTestId('warnings').textContent()).resolves.toContain('The ID token has no groups claim');
    await step(tab, problems, `${name}-setup-6-test-missing-groups`);
    await tab.close();

    // 5. The groups claim added in Okta; the next test shows the groups and no warning.
    await okta.goto(demoIdp.adminUrl);
    await okta
      .getByTestId('app')
      .filter({ hasText: `Setup ${name}` })
      .getByRole('button', { name: 'Add groups claim' })
      .click();
    await screenshot(okta, `${name}-setup-7-okta-groups-claim`);
    tab = await testSignIn(context, page, tenant, problems);
    await expect(tab.getByTestId('groups').textContent()).resolves.toBe('Everyone, Engineering, Admins');
    await expect(tab.getByTestId('test-result').textContent()).resolves.toContain('No warnings.');
    await step(tab, problems, `${name}-setup-8-test-signed-in`);

    // The test created no user, no owner, no session.
    const client = createDocumentClient({ endpoint: stack.dynamoDbEndpoint });
    const stores = storesOn(client, stack.tableName);
    expect(await stores.users.listUsers(tenant)).toEqual([]);
    expect((await context.cookies(stack.url)).some((cookie) => cookie.name === '__Host-session')).toBe(false);

    // 6. Activate: live, the link spent.
    await tab.getByRole('button', { name: 'Activate' }).click();
    await tab.getByRole('heading', { name: 'Sign-in is live' }).waitFor();
    await step(tab, problems, `${name}-setup-9-activated`);
    // The page opened again in this browser (it still holds the spent link) says when it was used.
    const revisited = await tab.goto(`${stack.url}/t/${tenant}/setup`);
    expect(revisited?.status()).toBe(403);
    await expect(tab.locator('main').textContent()).resolves.toMatch(
      /This setup link was already used to activate sign-in for this organization on .* UTC/,
    );
    await step(tab, problems, `${name}-setup-10-link-spent`);

    // 7. The tile on the demo Okta dashboard: the first real sign-in claims ownership.
    await okta.goto(demoIdp.dashboardUrl);
    await okta.getByRole('link', { name: new RegExp(`Setup ${name}`) }).click();
    await okta.waitForURL(stack.appUrl ?? '');
    await expect(okta.getByTestId('role').textContent()).resolves.toBe('owner');
    await expect(okta.getByTestId('roles').textContent()).resolves.toContain('admin');
    await screenshot(okta, `${name}-setup-11-tile-login-owner`);
    expect((await stores.users.listUsers(tenant)).map((user) => [user.sub, user.role])).toEqual([
      ['00u1ada0lovelace0001', 'owner'],
    ]);
    closeDocumentClient(client);
    expect(problems).toEqual([]);
    await context.close();
  });
});
