/**
 * Throws a few thousand malformed requests at the local stack: random paths,
 * methods, query strings, bodies (invalid UTF-8, oversized), cookies (forged
 * sessions and login states), bearer credentials, oversized headers and huge JWTs. The service must
 * answer each with a 4xx (never a 5xx: every dependency is up), stay healthy,
 * and write nothing.
 */

import { request as httpRequest } from 'node:http';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DEMO_TENANT, type LocalStack } from '../../local/stack.ts';
import { closeDocumentClient, createDocumentClient } from '../../shared/adapters/dynamodb/client.ts';
import { test } from '../support/fixtures.ts';

const REQUESTS = 1200;
let stack: LocalStack;

test.beforeAll(({ localStack }) => {
  stack = localStack;
});

/** Small seeded PRNG (mulberry32) so a failing case can be replayed from its seed. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const bytes = (length: number) => Buffer.from(Array.from({ length }, () => int(256)));
  const text = (length: number) => bytes(length).toString('latin1');
  return { next, int, pick, bytes, text };
}

async function snapshot(): Promise<string[]> {
  const client = createDocumentClient({ endpoint: stack.dynamoDbEndpoint });
  const items: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: stack.tableName, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) items.push(JSON.stringify(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  closeDocumentClient(client);
  return items.sort();
}

interface RawResponse {
  status: number;
  body: string;
}

/** Raw node:http so we can send what fetch refuses (bad bytes in paths, duplicate headers). */
function send(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: stack.port, method, path, headers, insecureHTTPParser: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const SEEDS = Number(process.env.FUZZ_SEED ?? 20261122);

describe('Fuzz: malformed requests through the local server', () => {
  it(`answers ${REQUESTS} malformed requests with 4xx, stays up, writes nothing`, async () => {
    const before = await snapshot();
    const random = prng(SEEDS);
    const jwtPart = (size: number) => Buffer.from(random.text(size)).toString('base64url');
    const hugeJwt = () => `${jwtPart(30)}.${jwtPart(random.int(50_000))}.${jwtPart(300)}`;
    const routes = [
      `/t/${DEMO_TENANT}/login`,
      `/t/${DEMO_TENANT}/callback`,
      '/t/nobody/login',
      '/t/nobody/callback',
      `/t/${DEMO_TENANT}/setup`,
      `/t/${DEMO_TENANT}/setup/check`,
      `/t/${DEMO_TENANT}/setup/test`,
      `/t/${DEMO_TENANT}/setup/activate`,
      `/t/${DEMO_TENANT}/setup/actions/${encodeURIComponent(random.text(8))}`,
      '/t/nobody/setup',
      '/me',
      '/logout',
      '/health',
      `/t/${DEMO_TENANT}/global-token-revocation`,
      '/t/nobody/global-token-revocation',
    ];
    const failures: string[] = [];
    let requests = 0;

    for (let index = 0; index < REQUESTS; index++) {
      const method = random.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'GET', 'POST']);
      const kind = random.int(10);
      let path = random.pick(routes);
      if (kind === 0) path = `/${encodeURIComponent(random.text(random.int(40)))}`;
      if (kind === 1) path = `/t/${encodeURIComponent(random.text(random.int(80)))}/login`;
      if (kind === 2) path = `/t/${'a'.repeat(random.int(300))}/callback`;
      const query = new URLSearchParams();
      for (let q = random.int(6); q > 0; q--) {
        query.append(
          random.pick([
            'state',
            'code',
            'iss',
            'error',
            'target_link_uri',
            'login_hint',
            'id_token',
            'token',
            random.text(5),
          ]),
          random.pick([
            random.text(random.int(64)),
            'x'.repeat(random.int(10_000)),
            '//evil.example',
            'javascript:alert(1)',
            'https://evil.example',
            hugeJwt(),
          ]),
        );
      }
      const search = query.toString();
      const headers: Record<string, string> = {};
      if (random.next() < 0.5)
        headers.accept = random.pick([
          'application/json',
          'text/html',
          '*/*',
          random.text(20).replace(/[^\x20-\x7e]/g, ''),
        ]);
      if (random.next() < 0.5) {
        const cookieValue = random.pick([
          `__Host-session=${encodeURIComponent(random.text(random.int(100)))}`,
          `__Host-session=${DEMO_TENANT}.u_${'A'.repeat(32)}.${'B'.repeat(43)}`,
          `__Host-login-${'A'.repeat(12)}=${hugeJwt().slice(0, 3000)}`,
          `__Host-setup-${DEMO_TENANT}=${random.pick(['C'.repeat(43), encodeURIComponent(random.text(60))])}`,
          `${random.text(5).replace(/[^\w]/g, 'x')}=${random.text(20).replace(/[^\x21-\x7e]/g, '')}`,
          'a=b; a=c; ;;; =;',
        ]);
        headers.cookie = cookieValue;
      }
      let body: Buffer | undefined;
      if (method === 'POST' || method === 'PUT') {
        const bodyKind = random.int(5);
        body =
          bodyKind === 0
            ? random.bytes(random.int(4096)) // invalid UTF-8 and binary
            : bodyKind === 1
              ? Buffer.from(`id_token=${hugeJwt()}`)
              : bodyKind === 2
                ? Buffer.alloc(70_000 + random.int(200_000), 'a') // over the form limit
                : bodyKind === 3
                  ? Buffer.from(`state=${random.text(30)}&code=x&iss=${encodeURIComponent(random.text(10))}`)
                  : Buffer.from(random.text(random.int(500)), 'latin1');
        headers['content-type'] = random.pick([
          'application/x-www-form-urlencoded',
          'application/json',
          'multipart/form-data; boundary=x',
          'text/plain',
        ]);
      }
      if (random.next() < 0.3) {
        // Bearer credentials as Universal Logout (and the authorizer) read them: forged, huge, junk.
        headers.authorization = random.pick([
          `Bearer ${jwtPart(30)}.${jwtPart(random.int(400))}.${jwtPart(random.int(400))}`,
          `Bearer ${hugeJwt().slice(0, 12_000)}`,
          `Bearer ${random.text(random.int(60)).replace(/[^\x21-\x7e]/g, '')}`,
          `Basic ${jwtPart(20)}`,
        ]);
      }
      if (random.next() < 0.03) headers['x-oversized'] = 'h'.repeat(20_000); // beyond Node's header limit
      let response: RawResponse;
      try {
        response = await send(method, `${path}${search ? `?${search}` : ''}`, headers, body);
      } catch (error) {
        failures.push(`#${index} ${method} ${path}: connection error ${(error as Error).message}`);
        continue;
      }
      requests++;
      if (response.status >= 500 || response.status < 200) {
        failures.push(`#${index} ${method} ${path.slice(0, 80)} → ${response.status}`);
      }
      if (/at .*\.ts:\d+|stack|eyJ[\w-]{20,}/i.test(response.body) && response.status >= 400) {
        failures.push(`#${index} leaked internals or a token in a ${response.status} body`);
      }
    }

    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThanOrEqual(1000);
    expect((await fetch(`${stack.url}/health`)).status).toBe(200);
    expect(await snapshot()).toEqual(before);
  }, 240_000);
});
