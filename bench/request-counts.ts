/**
 * What each scenario sends on the wire, counted by the DynamoDB meter and the
 * identity provider: DynamoDB requests and write units per login, `/me`,
 * `/session/token` and logout, and the read units of a token call; the IdP
 * fetches of a warm login; and the DynamoDB requests and read units of one
 * request through the session authorizer.
 */
import { TestBrowser } from '../local/http-browser.ts';
import type { BenchService } from './service.ts';
import { AUTHORIZED_REQUESTS } from './settings.ts';
import { round } from './stats.ts';

export interface RequestCount {
  requests: number;
  operations: string[];
  /**
   * Write units, estimated from the items written: 1 per item, 2 per item of a transaction (all ≤ 1 KB),
   * and 1 per user-sessions index entry (a session put or deleted; not doubled inside a transaction).
   */
  wru: number;
}

/** DynamoDB requests while `fn` runs. */
async function count(service: BenchService, fn: () => Promise<unknown>): Promise<RequestCount> {
  service.meter.reset();
  await fn();
  const wru = service.meter.writes.reduce(
    (sum, write) => sum + (write.operation === 'TransactWriteItems' ? 2 * write.items : 1) + write.indexWrites,
    0,
  );
  return { requests: service.meter.operations.length, operations: [...service.meter.operations], wru };
}

export async function measureRequestCounts(service: BenchService) {
  const { login, url } = service;
  const requests = {
    firstLoginOfTenant: await count(service, () => login('bench_first', 'ada')),
    // The owner claim refreshes the tenant's cached config once; steady state after that:
    warmupAfterOwner: await count(service, () => login('bench_first', 'warmup2')),
    firstLoginOfLaterUser: await count(service, () => login('bench_first', 'grace')),
    returningUser: await count(service, () => login('bench_first', 'grace')),
    me: { requests: 0, operations: [] as string[], wru: 0 },
    sessionTokenFirstInContainer: { requests: 0, operations: [] as string[], wru: 0 },
    sessionToken: { requests: 0, operations: [] as string[], wru: 0 },
    logout: { requests: 0, operations: [] as string[], wru: 0 },
  };
  // One session for /me, /session/token and logout: no new user, so the SCIM counts after these
  // (bench/scim.ts, "per user in no group") stay comparable with earlier runs.
  const signedIn = await login('bench_first', 'linus');
  requests.me = await count(service, () => signedIn.request(`${url}/me`, { headers: { accept: 'application/json' } }));
  // Nothing has asked for a token yet: this call also reads the private key set, which the token
  // function then caches (SECRETS_CACHE_SECONDS; in AWS from Secrets Manager, locally a table GetItem).
  requests.sessionTokenFirstInContainer = await count(service, () => sessionToken(service, signedIn));
  requests.sessionToken = await count(service, () => sessionToken(service, signedIn));
  const sessionTokenReads = await readUnitsOf(service, () => sessionToken(service, signedIn));
  requests.logout = await count(service, () =>
    signedIn.request(`${url}/logout`, { method: 'POST', headers: { origin: url, accept: 'application/json' } }),
  );

  service.idp.resetCounters();
  await login('bench_first', 'grace');
  const fetchesPerWarmLogin = { ...service.idp.counters };
  return { requests, sessionTokenReads, fetchesPerWarmLogin };
}

/** `GET /session/token` in `browser`, which must get a token (200). */
async function sessionToken(service: BenchService, browser: TestBrowser): Promise<void> {
  const answer = await browser.request(`${service.url}/session/token`, { headers: { accept: 'application/json' } });
  if (answer.status !== 200) throw new Error(`bench: /session/token answered ${answer.status}: ${answer.body}`);
}

/** The read and write units DynamoDB reports for what `fn` sends (capacity metered for this call only). */
async function readUnitsOf(service: BenchService, fn: () => Promise<unknown>) {
  service.meter.meterCapacity = true;
  try {
    service.meter.reset();
    await fn();
    return {
      readUnits: service.meter.capacity.reduce((sum, entry) => sum + entry.readUnits, 0),
      writeUnits: service.meter.capacity.reduce((sum, entry) => sum + entry.writeUnits, 0),
    };
  } finally {
    service.meter.meterCapacity = false;
  }
}

/** An `/app/whoami` request through the session authorizer, which must answer `status`. */
async function whoami(
  service: BenchService,
  browser: TestBrowser,
  status: number,
  headers: Record<string, string> = {},
): Promise<void> {
  const answer = await browser.request(`${service.url}/app/whoami`, {
    headers: { accept: 'application/json', ...headers },
  });
  if (answer.status !== status) throw new Error(`bench: /app/whoami answered ${answer.status}, expected ${status}`);
}

/**
 * DynamoDB per authorized request: the authorizer caches no decision, so
 * each request through it reads the session, user and tenant (issue 11, item
 * 3). Counted over AUTHORIZED_REQUESTS signed-in requests, with the read units
 * DynamoDB reports; plus the two refusals that prove the reads are needed:
 * no cookie (refused without a read) and a logged-out cookie (refused at the
 * next request, after one read).
 */
export async function measureAuthorizer(service: BenchService) {
  const browser = await service.login('bench_first', 'margaret');
  await whoami(service, browser, 200); // the authorizer's first (cold-path) decision, not counted
  service.meter.meterCapacity = true;
  try {
    service.meter.reset();
    for (let index = 0; index < AUTHORIZED_REQUESTS; index++) await whoami(service, browser, 200);
    const authorized = {
      requests: service.meter.operations.length,
      operations: [...new Set(service.meter.operations)],
      readUnits: service.meter.capacity.reduce((sum, entry) => sum + entry.readUnits, 0),
      writeUnits: service.meter.capacity.reduce((sum, entry) => sum + entry.writeUnits, 0),
    };
    service.meter.reset();
    await whoami(service, new TestBrowser(), 403);
    const withoutCookie = service.meter.operations.length;

    // Logout clears the cookie in this browser; a copy kept elsewhere (another tab's request in
    // flight, a stolen cookie) must be refused too, which only the table can tell.
    const cookie = await browser.jar.getCookieString(`${service.url}/app/whoami`);
    await browser.request(`${service.url}/logout`, {
      method: 'POST',
      headers: { origin: service.url, accept: 'application/json' },
    });
    service.meter.reset();
    await whoami(service, new TestBrowser(), 403, { cookie });
    const afterLogout = service.meter.operations.length;

    return {
      authorizedRequests: AUTHORIZED_REQUESTS,
      perAuthorizedRequest: {
        dynamodbRequests: round(authorized.requests / AUTHORIZED_REQUESTS, 3),
        operations: authorized.operations,
        readUnits: round(authorized.readUnits / AUTHORIZED_REQUESTS, 3),
        writeUnits: round(authorized.writeUnits / AUTHORIZED_REQUESTS, 3),
      },
      /** Requests refused: without a cookie (no read), and with the cookie of a session logged out since (one read). */
      dynamodbRequestsWhenRefused: { withoutCookie, afterLogout },
    };
  } finally {
    service.meter.meterCapacity = false;
  }
}
