/**
 * Outside local mode the service never connects to loopback, private or
 * link-local addresses, whatever a tenant's config or a discovery document
 * names (SSRF by whoever writes tenant config). The stack here runs as in AWS
 * (ALLOW_LOOPBACK_ISSUERS=false); the "issuers" are a local listener that
 * counts connections, which must stay at zero. The same holds for the issuer a
 * customer's Okta admin pastes into the setup link's "Check and save".
 */
import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Hop, setupCsrfOf, setupNonceOf, TestBrowser } from '../../local/http-browser.ts';
import { type LocalStack, registerTenant } from '../../local/stack.ts';
import { buildTenantConfig } from '../../shared/tenants.ts';
import { cli } from '../support/cli.ts';
import { test } from '../support/fixtures.ts';

// As in AWS: no loopback issuers, and no demo Okta.
test.override('stackOptions', { demoIdp: false, env: { ALLOW_LOOPBACK_ISSUERS: 'false' } });

let stack: LocalStack;
const listeners: Server[] = [];
let port: number;
let connections = 0;

/** Counts and drops every connection on `host:port`; resolves once listening, or with `undefined` if it cannot listen. */
function countConnections(host: string, onPort: number): Promise<Server | undefined> {
  const listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  return new Promise((resolve) => {
    listener.once('error', () => resolve(undefined));
    listener.listen(onPort, host, () => {
      listeners.push(listener);
      resolve(listener);
    });
  });
}

beforeAll(async () => {
  const ipv4 = await countConnections('127.0.0.1', 0);
  if (!ipv4) throw new Error('cannot listen on 127.0.0.1');
  port = (ipv4.address() as AddressInfo).port;
  // The IPv6 loopback on the same port too, so `[::1]`, `localhost` as ::1 and anything the
  // OS routes there would be counted; a machine without IPv6 counts IPv4 only.
  await countConnections('::1', port);
});

test.beforeAll(({ localStack }) => {
  stack = localStack;
});

afterAll(() => {
  for (const listener of listeners) listener.close();
});

describe('Private addresses outside local mode', () => {
  it.each([
    ['a name resolving to loopback', () => `https://localhost:${port}`],
    ['a loopback IP', () => `https://127.0.0.1:${port}`],
    ['a decimal loopback IP', () => `https://2130706433:${port}`],
    // IPv4-compatible IPv6 (::/96): ipaddr.js calls these `unicast`, so the connection check must not trust the range name.
    ['an IPv4-compatible IPv6 loopback', () => `https://[::127.0.0.1]:${port}`],
    ['an IPv4-compatible IPv6 loopback in hex', () => `https://[::7f00:1]:${port}`],
    ['the IPv4-compatible IPv6 instance metadata address', () => 'https://[::a9fe:a9fe]'],
    ['a NAT64 IPv6 loopback', () => `https://[64:ff9b::7f00:1]:${port}`],
    ['a 6to4 IPv6 loopback', () => `https://[2002:7f00:1::]:${port}`],
  ])('refuses a tenant whose issuer is %s without connecting, and says why', async (_name, issuer) => {
    const tenantId = `t_${randomUUID().slice(0, 8)}`;
    // Written directly: `tenant put` refuses such issuers outside local mode (unit-tested).
    await registerTenant(stack.dynamoDbEndpoint, stack.tableName, {
      tenantId,
      issuer: issuer(),
      clientId: 'c',
      clientSecret: 's',
    });
    connections = 0;
    const response = await new TestBrowser().request(`${stack.url}/t/${tenantId}/login`, {
      headers: { accept: 'application/json' },
    });
    expect(response.status).toBe(502);
    const body = JSON.parse(response.body);
    expect(body.error).toBe('DISCOVERY_FAILED');
    expect(body.adminHint).toContain('loopback, private or link-local');
    expect(connections).toBe(0);
  });

  it('refuses such issuers when a tenant is saved outside local mode', () => {
    for (const issuer of [
      'https://localhost',
      'https://app.localhost',
      'https://127.0.0.1',
      'https://10.1.2.3',
      'https://169.254.169.254',
      'https://[::1]',
      'https://[fd00::1]',
      'https://[::ffff:127.0.0.1]',
      'https://[::127.0.0.1]',
      'https://[::a9fe:a9fe]',
      'https://[::ffff:7f00:1]',
      'https://[64:ff9b::7f00:1]',
      'https://[2002:7f00:1::]',
      'https://[2001:db8::1]',
      'https://100.64.0.1',
      'https://0.0.0.0',
    ]) {
      expect(
        () => buildTenantConfig({ tenantId: 'x', issuer, clientId: 'c' }, { allowLoopback: false, now: new Date() }),
        issuer,
      ).toThrow(/public host/);
    }
    expect(
      buildTenantConfig(
        { tenantId: 'x', issuer: 'https://acme.okta.com/oauth2/default', clientId: 'c' },
        { allowLoopback: false, now: new Date() },
      ).issuer,
    ).toBe('https://acme.okta.com/oauth2/default');
  });
});

describe('The setup link outside local mode', () => {
  it.each([
    ['a name resolving to loopback', () => `https://localhost:${port}`],
    ['a loopback IP', () => `https://127.0.0.1:${port}`],
    ['a decimal loopback IP', () => `https://2130706433:${port}`],
    ['an IPv4-mapped IPv6 loopback', () => `https://[::ffff:127.0.0.1]:${port}`],
    ['an IPv4-mapped IPv6 loopback in hex', () => `https://[::ffff:7f00:1]:${port}`],
    ['an IPv4-compatible IPv6 loopback', () => `https://[::127.0.0.1]:${port}`],
    ['an IPv4-compatible IPv6 loopback in hex', () => `https://[::7f00:1]:${port}`],
    ['the IPv4-compatible IPv6 instance metadata address', () => 'https://[::a9fe:a9fe]'],
    ['a NAT64 IPv6 loopback', () => `https://[64:ff9b::7f00:1]:${port}`],
    ['a 6to4 IPv6 loopback', () => `https://[2002:7f00:1::]:${port}`],
    ['an IPv6 documentation address', () => 'https://[2001:db8::1]'],
    ['an IPv6 link-local address', () => `https://[fe80::1]:${port}`],
    ['an IPv6 unique-local address', () => 'https://[fc00::1]'],
    ['an IPv6 multicast address', () => 'https://[ff02::1]'],
    ['the IPv6 unspecified address', () => `https://[::]:${port}`],
    ['the IPv6 loopback', () => `https://[::1]:${port}`],
    ['a loopback custom authorization server', () => `https://127.0.0.1:${port}/oauth2/default`],
    ['the instance metadata address', () => 'https://169.254.169.254'],
    ['a private IP', () => 'https://10.0.0.1'],
  ])('refuses %s as the pasted issuer without connecting, says why, and saves nothing', async (_name, issuer) => {
    const tenant = `s_${randomUUID().slice(0, 8)}`;
    const invite = await cli('invite', tenant);
    expect(invite.code, invite.stderr).toBe(0);
    const browser = new TestBrowser();
    const page = (await browser.navigate(invite.output.url)).at(-1) as Hop;
    expect(page.status).toBe(200);
    connections = 0;
    const checked = await browser.request(`${stack.url}/t/${tenant}/setup/check`, {
      method: 'POST',
      body: new URLSearchParams({
        csrf: setupCsrfOf(page),
        nonce: setupNonceOf(page, 'check'),
        issuer: issuer(),
        client_id: 'client',
        client_secret: 'secret',
      }).toString(),
      headers: { origin: stack.url, 'sec-fetch-site': 'same-origin' },
    });
    expect(checked.status).toBe(200);
    expect(checked.body).toContain('is not an issuer the service can use');
    expect(checked.body).toContain('on a public host');
    expect(checked.body).toContain('Nothing was saved');
    expect(connections).toBe(0);
    const saved = await cli('get', tenant);
    expect(saved.output).toMatchObject({ issuer: '', clientId: '', hasClientSecret: false });
  });
});
