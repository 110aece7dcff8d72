import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, isIP, type LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpFetch, PRIVATE_ADDRESS_REFUSED } from '../../shared/oidc/http-fetch.ts';
import { checkTenant } from '../../shared/tenant-check.ts';

/** A small origin whose paths misbehave in the ways an identity provider can. */
const seen: Array<{ method: string; headers: IncomingMessage['headers']; body: string; port: number }> = [];
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    seen.push({
      method: req.method ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      port: req.socket.remotePort ?? 0,
    });
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
    if (req.url === '/redirect') return void res.writeHead(302, { location: '/json' }).end();
    if (req.url === '/huge') return void res.end(Buffer.alloc(4096, 'x'));
    if (req.url === '/empty') return void res.writeHead(204).end();
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
    res.end(JSON.stringify({ ok: true }));
  });
});
let base: string;
const fetchImpl = createHttpFetch({ maxBodyBytes: 1024 });

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('createHttpFetch', () => {
  it('sends method, headers and body, and answers with a standard Response', async () => {
    seen.length = 0;
    const response = await fetchImpl(`${base}/json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic abc' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'c' }).toString(),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ ok: true });
    expect(seen[0]).toMatchObject({
      method: 'POST',
      body: 'grant_type=authorization_code&code=c',
      headers: { authorization: 'Basic abc', 'content-length': '36' },
    });
  });

  it('accepts a Headers object, as jose passes one for the JWKS', async () => {
    seen.length = 0;
    await fetchImpl(`${base}/json`, { headers: new Headers({ accept: 'application/jwk-set+json' }) });
    expect(seen[0]?.headers.accept).toBe('application/jwk-set+json');
  });

  it('keeps the connection alive between requests', async () => {
    seen.length = 0;
    await (await fetchImpl(`${base}/json`)).text();
    await (await fetchImpl(`${base}/json`)).text();
    expect(seen[0]?.port).toBe(seen[1]?.port);
  });

  it('does not follow redirects', async () => {
    const response = await fetchImpl(`${base}/redirect`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/json');
  });

  it('gives a no-content status a null body', async () => {
    const response = await fetchImpl(`${base}/empty`);
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('rejects with the signal reason (TimeoutError) when the deadline passes', async () => {
    const error = await fetchImpl(`${base}/slow`, { signal: AbortSignal.timeout(100) }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
  });

  it('rejects an already aborted signal without sending', async () => {
    seen.length = 0;
    const controller = new AbortController();
    controller.abort(new DOMException('stop', 'AbortError'));
    await expect(fetchImpl(`${base}/json`, { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(seen).toHaveLength(0);
  });

  it('fails like fetch (TypeError with a cause) when nothing listens, and on an oversized body', async () => {
    const refused = await fetchImpl('http://127.0.0.1:9/').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TypeError);
    expect((refused as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    const huge = await fetchImpl(`${base}/huge`).catch((e: unknown) => e);
    expect(huge).toBeInstanceOf(TypeError);
    expect(String((huge as Error).cause)).toMatch(/above 1024 bytes/);
  });

  it('refuses schemes other than http and https', async () => {
    await expect(fetchImpl('file:///etc/passwd')).rejects.toBeInstanceOf(TypeError);
  });
});

describe('createHttpFetch outside local mode (blockPrivateAddresses)', () => {
  const publicOnly = createHttpFetch({ blockPrivateAddresses: true });

  it.each([
    ['a loopback IP literal', () => base],
    ['a name that resolves to loopback', () => base.replace('127.0.0.1', 'localhost')],
    ['a decimal loopback address', () => base.replace('127.0.0.1', '2130706433')],
    ['the instance metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['a private network address', () => 'http://10.0.0.1/'],
    ['the unspecified address', () => 'http://0.0.0.0/'],
    // ipaddr.js calls IPv4-compatible IPv6 (::/96) `unicast`; request-filtering-agent alone let these through.
    ['IPv4-compatible IPv6 loopback, dotted', () => base.replace('127.0.0.1', '[::127.0.0.1]')],
    ['IPv4-compatible IPv6 loopback, hex', () => base.replace('127.0.0.1', '[::7f00:1]')],
    ['IPv4-compatible IPv6 instance metadata', () => 'http://[::a9fe:a9fe]/latest/meta-data/'],
    ['IPv4-mapped IPv6 loopback', () => base.replace('127.0.0.1', '[::ffff:127.0.0.1]')],
    ['NAT64 IPv6 loopback', () => base.replace('127.0.0.1', '[64:ff9b::7f00:1]')],
    ['6to4 IPv6 loopback', () => base.replace('127.0.0.1', '[2002:7f00:1::]')],
    ['documentation IPv6', () => 'https://[2001:db8::1]/'],
    ['an https IPv4-compatible IPv6 literal', () => 'https://[::a9fe:a9fe]/'],
  ])('refuses %s before connecting', async (_name, url) => {
    seen.length = 0;
    const failure = await publicOnly(`${url()}`, { signal: AbortSignal.timeout(2000) }).catch((error) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as { cause?: { code?: string } }).cause?.code).toBe(PRIVATE_ADDRESS_REFUSED);
    expect(seen).toHaveLength(0);
  });

  it.each([
    ['IPv4-compatible IPv6 instance metadata', ['::a9fe:a9fe']],
    ['IPv4-compatible IPv6 loopback', ['::7f00:1']],
    ['IPv4-mapped IPv6 loopback', ['::ffff:127.0.0.1']],
    ['loopback', ['127.0.0.1']],
    ['a public address and a loopback one', ['93.184.216.34', '::7f00:1']],
  ])('refuses a name a resolver answers with %s, after resolving and before connecting', async (_name, addresses) => {
    seen.length = 0;
    const asked: string[] = [];
    const publicOnlyRebound = createHttpFetch({ blockPrivateAddresses: true, lookup: answering(addresses, asked) });
    const port = new URL(base).port;
    const failure = await publicOnlyRebound(`http://idp.rebind.test:${port}/json`, {
      signal: AbortSignal.timeout(2000),
    }).catch((error) => error);
    expect(asked).toEqual(['idp.rebind.test']);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as { cause?: { code?: string } }).cause?.code).toBe(PRIVATE_ADDRESS_REFUSED);
    expect(seen).toHaveLength(0);
  });

  it('refuses such a name over https too, before any TLS handshake', async () => {
    const asked: string[] = [];
    const publicOnlyRebound = createHttpFetch({
      blockPrivateAddresses: true,
      lookup: answering(['::a9fe:a9fe'], asked),
    });
    const failure = await publicOnlyRebound('https://idp.rebind.test/.well-known/openid-configuration', {
      signal: AbortSignal.timeout(2000),
    }).catch((error) => error);
    expect(asked).toEqual(['idp.rebind.test']);
    expect((failure as { cause?: { code?: string } }).cause?.code).toBe(PRIVATE_ADDRESS_REFUSED);
  });

  it('connects through the same resolver in local mode (so the refusals above are the rule, not the resolver)', async () => {
    seen.length = 0;
    const asked: string[] = [];
    const local = createHttpFetch({ lookup: answering(['127.0.0.1'], asked) });
    const response = await local(`http://idp.rebind.test:${new URL(base).port}/json`);
    expect(response.status).toBe(200);
    expect(asked).toEqual(['idp.rebind.test']);
    expect(seen).toHaveLength(1);
  });

  it('says so in `tenant check`', async () => {
    const results = await checkTenant(
      { issuer: base, idTokenAlgorithms: ['RS256'] },
      { fetch: publicOnly, allowLoopback: true },
    );
    expect(results[0]).toMatchObject({ check: 'discovery', ok: false });
    expect(results[0]?.message).toContain('loopback, private or link-local');
  });
});

/** A resolver that answers every name with `addresses`, as a rebinding DNS server would, and notes what it was asked. */
function answering(addresses: readonly string[], asked: string[]): LookupFunction {
  return (hostname, options, callback) => {
    asked.push(hostname);
    const entries = addresses.map((address) => ({ address, family: isIP(address) }));
    if (options.all) return callback(null, entries);
    const [first] = entries;
    if (first) callback(null, first.address, first.family);
  };
}
