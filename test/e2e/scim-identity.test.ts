/**
 * One person, one user, through the local stack (real HTTP, DynamoDB Local,
 * the test identity provider, the tenant CLI and the SCIM API), for issue 21:
 *
 * - two decisions that refuse a user: an administrator's `disable-user` and
 *   Okta's SCIM `active: false`, each lifted only by its own side, and the
 *   migration rule for user items of the previous version (one `disabled` flag);
 * - SCIM emails never become the app's email: `/me` and the authorizer keep
 *   the ID token's email and `email_verified`, which the tenant's email
 *   policy checked;
 * - deprovisioning never fails on a uniqueness claim it does not need;
 * - SCIM `DELETE` deletes (RFC 7644 §3.6), ends every session at once, and
 *   refuses the person's logins until SCIM creates them again.
 *
 * Each test says what the code before this change did, where it fails.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../../local/demo-idp.ts';
import { TestBrowser } from '../../local/http-browser.ts';
import { keys } from '../../shared/adapters/dynamodb/table-schema.ts';
import { userIdFor } from '../../shared/users.ts';
import { cli } from '../support/cli.ts';
import { test } from '../support/fixtures.ts';
import { type MisbehavingStack, TENANT } from '../support/misbehaving-stack.ts';
import { demoSubOf, GROUP_SCHEMA, oktaUser, patch, scimClient } from '../support/scim-client.ts';

let env: MisbehavingStack;
let table: DynamoDBDocumentClient;
let scim: ReturnType<typeof scimClient>;
let ownerId: string;

/** The demo users' domain: every login of this file passes the tenant's email policy. */
const DOMAIN = 'acme.example';
const FOREIGN_EMAIL = 'ceo@other.example';

const JSON_ACCEPT = { accept: 'application/json' };

/** The words of each refusal page (shared/http/error-catalogue.ts). */
const REFUSAL_PAGES = {
  admin: 'has been disabled for this app',
  okta: 'deactivated by your organization',
  deleted: 'removed by your organization',
} as const;
type Refusal = keyof typeof REFUSAL_PAGES;

test.beforeAll(async ({ table: client, stack }) => {
  env = stack;
  table = client;
  // Before any request reaches the stack, so no function has the tenant cached without its policy.
  const put = await cli('put', TENANT, '--allowed-email-domain', DOMAIN, '--require-email-verified');
  expect(put.code).toBe(0);
  const issued = await cli('scim-token', TENANT);
  expect(issued.code).toBe(0);
  const token = issued.output.token as string;
  scim = scimClient(env.stack.url, TENANT, () => token);
  // The tenant's first login becomes its owner: nobody this file disables or deletes.
  const owner = await signIn('ada');
  expect(owner.status).toBe(302);
  ownerId = (await env.me(owner.browser)).user.id;
});

/** The sub the test identity provider puts in a login's ID tokens. */
const subOf = (login: string) => DEMO_USERS.find((user) => user.login === login)?.sub ?? demoSubOf(login);
const emailOf = (login: string) => `${login}@${DOMAIN}`;
/** The id a login derives (and SCIM gives a user created with the login's sub as externalId). */
const derivedIdOf = (login: string) => userIdFor(env.idp.issuer, subOf(login));

async function signIn(login: string) {
  const { browser, callback } = await env.login(login);
  return { browser, status: callback?.status, body: callback?.body ?? '' };
}

/** The example app route behind the authorizer: 200 with who is calling, or refused. */
async function whoami(browser: TestBrowser) {
  const hop = await browser.request(`${env.stack.url}/app/whoami`, { headers: JSON_ACCEPT });
  return { status: hop.status, body: hop.status === 200 ? JSON.parse(hop.body) : undefined };
}

/**
 * A browser that sends exactly `cookie`: a session cookie copied before a
 * change, so no later Set-Cookie (an ended session is cleared) can hide it.
 */
const replay = (cookie: string) => ({
  me: async () =>
    (await new TestBrowser().request(`${env.stack.url}/me`, { headers: { ...JSON_ACCEPT, cookie } })).status,
  whoami: async () =>
    (await new TestBrowser().request(`${env.stack.url}/app/whoami`, { headers: { ...JSON_ACCEPT, cookie } })).status,
});

const sessionCookieOf = async (browser: TestBrowser) => {
  const cookie = await browser.jar.getCookieString(env.stack.url);
  expect(cookie).toContain('__Host-session=');
  return cookie;
};

/** A tile login of `login` is refused with `refusal`'s page, and leaves no session. */
async function expectLoginRefused(login: string, refusal: Refusal) {
  const attempt = await signIn(login);
  expect(attempt.status, `${login}: ${refusal}`).toBe(403);
  expect(attempt.body).toContain(REFUSAL_PAGES[refusal]);
  for (const [other, words] of Object.entries(REFUSAL_PAGES)) {
    if (other !== refusal) expect(attempt.body).not.toContain(words);
  }
  expect((await env.me(attempt.browser)).status).toBe(401);
}

/** A tile login of `login` works: a live session of user `userId`. */
async function expectLoginWorks(login: string, userId: string) {
  await pastRevocationOf(userId);
  const attempt = await signIn(login);
  expect(attempt.status, `${login} signs in`).toBe(302);
  expect((await env.me(attempt.browser)).user).toMatchObject({ id: userId, sub: subOf(login) });
  return attempt.browser;
}

/** The user item (or link, or tombstone) at `USER#<userId>`, read past the stack. */
async function userItem(userId: string) {
  const read = await table.send(
    new GetCommand({
      TableName: env.stack.tableName,
      Key: keys.user(TENANT, userId),
      ConsistentRead: true,
    }),
  );
  return read.Item;
}

/**
 * Waits until the user's revocation epoch is in the past (a condition, not a
 * fixed sleep): a sign-in right after a revocation is then certainly a new
 * session. A sign-in through the identity provider takes far longer than the
 * epoch's few milliseconds of margin anyway.
 */
async function pastRevocationOf(userId: string) {
  const item = await userItem(userId);
  const epoch = Math.max(Number(item?.sessionsNotBeforeMs ?? 0), Number(item?.sessionsNotBefore ?? 0) * 1000);
  while (Date.now() <= epoch) await new Promise((resolve) => setTimeout(resolve, epoch - Date.now() + 1));
}

/** The user as `tenant users` shows it. */
async function cliUser(userId: string) {
  const listed = await cli('users', TENANT);
  expect(listed.code).toBe(0);
  return (listed.output as Array<{ id: string }>).find((user) => user.id === userId) as
    | {
        id: string;
        email: string | null;
        disabled: boolean;
        adminDisabled: boolean;
        scim?: { userName: string; active: boolean; emails: string[] };
      }
    | undefined;
}

/** Okta's assignment of a demo login: POST /Users, with the login's sub as externalId unless told otherwise. */
async function provision(login: string, options: { externalId?: boolean; emails?: string[] } = {}) {
  const body = {
    ...oktaUser({
      userName: emailOf(login),
      givenName: login,
      familyName: 'Example',
      ...(options.externalId === false ? {} : { externalId: subOf(login) }),
    }),
    ...(options.emails ? { emails: options.emails.map((value) => ({ value, type: 'work', primary: true })) } : {}),
  };
  const created = await scim('POST', '/Users', body);
  expect(created.status, `POST /Users ${login}`).toBe(201);
  return created.body.id as string;
}

/** SCIM's `active` as Okta sends it: PATCH with path, or the full user with PUT. */
async function setActive(method: 'PATCH' | 'PUT', login: string, userId: string, active: boolean) {
  const body =
    method === 'PATCH'
      ? patch({ op: 'replace', path: 'active', value: active })
      : oktaUser({
          userName: emailOf(login),
          givenName: login,
          familyName: 'Example',
          externalId: subOf(login),
          active,
        });
  const answer = await scim(method, `/Users/${userId}`, body);
  expect(answer.status, `${method} active:${active}`).toBe(200);
  expect(answer.body.active).toBe(active);
}

const filterUsers = async (attribute: 'userName' | 'externalId', value: string) => {
  const found = await scim('GET', `/Users?filter=${encodeURIComponent(`${attribute} eq "${value}"`)}`);
  expect(found.status).toBe(200);
  return (found.body.Resources as Array<{ id: string }>).map((user) => user.id);
};

describe("An administrator's disable and Okta's deactivation are two decisions", () => {
  describe.each([
    { login: 'amy', method: 'PATCH' as const },
    { login: 'bea', method: 'PUT' as const },
  ])('disable-user first, then SCIM active false and true ($method)', ({ login, method }) => {
    // Old code: SCIM wrote `disabled: !active || (disabled && !deactivated)`, and `active: false` set
    // `deactivated` on top of the administrator's `disabled` (the page then said "deactivated"), so
    // `active: true` lifted the administrator's disable: the login after it got 302. Neither the CLI's
    // outputs nor `users` had adminDisabled.
    it('stays refused until enable-user, whatever SCIM says', async () => {
      const id = await provision(login);
      expect(id).toBe(derivedIdOf(login));
      const first = await signIn(login);
      expect(first.status).toBe(302);

      const disabled = await cli('disable-user', TENANT, id);
      expect(disabled.code).toBe(0);
      expect(disabled.output).toMatchObject({ user: id, disabled: true, adminDisabled: true });
      expect((await env.me(first.browser)).status).toBe(401);
      await expectLoginRefused(login, 'admin');

      await setActive(method, login, id, false);
      expect(await cliUser(id)).toMatchObject({ disabled: true, adminDisabled: true, scim: { active: false } });
      // Both decisions stand: the administrator's words win on the page.
      await expectLoginRefused(login, 'admin');

      await setActive(method, login, id, true);
      expect(await cliUser(id)).toMatchObject({ disabled: true, adminDisabled: true, scim: { active: true } });
      expect((await scim('GET', `/Users/${id}`)).body.active).toBe(true);
      await expectLoginRefused(login, 'admin');

      const enabled = await cli('enable-user', TENANT, id);
      expect(enabled.code).toBe(0);
      expect(enabled.output).toMatchObject({ user: id, adminDisabled: false, disabled: false });
      expect(enabled.output.warnings).toBeUndefined();
      expect(await cliUser(id)).toMatchObject({ disabled: false, adminDisabled: false, scim: { active: true } });
      await expectLoginWorks(login, id);
      // Lifting a decision allows new logins only: the session it ended stays ended.
      expect((await env.me(first.browser)).status).toBe(401);
    });
  });

  describe.each([
    { login: 'cal', method: 'PATCH' as const },
    { login: 'dov', method: 'PUT' as const },
  ])('SCIM active false first, then enable-user and disable-user ($method)', ({ login, method }) => {
    // Old code: `disable-user` and `enable-user` both wrote `REMOVE deactivated`, and enable-user set
    // `disabled = false`: enable-user lifted Okta's deactivation (the login after it got 302, its
    // output said nothing of Okta).
    it('stays refused with the deactivated page until SCIM active true; enable-user says so', async () => {
      const id = await provision(login);
      const first = await signIn(login);
      expect(first.status).toBe(302);

      await setActive(method, login, id, false);
      expect((await env.me(first.browser)).status).toBe(401);
      expect(await cliUser(id)).toMatchObject({ disabled: true, adminDisabled: false, scim: { active: false } });
      await expectLoginRefused(login, 'okta');

      // enable-user on a user the administrator never disabled: Okta's deactivation stays.
      const enabled = await cli('enable-user', TENANT, id);
      expect(enabled.code).toBe(0);
      expect(enabled.output).toMatchObject({ user: id, adminDisabled: false, disabled: true });
      expect(enabled.output.warnings).toEqual([expect.stringContaining('Okta deactivated this user')]);
      await expectLoginRefused(login, 'okta');

      const disabled = await cli('disable-user', TENANT, id);
      expect(disabled.output).toMatchObject({ disabled: true, adminDisabled: true });
      expect(await cliUser(id)).toMatchObject({ disabled: true, adminDisabled: true, scim: { active: false } });
      await expectLoginRefused(login, 'admin');

      const again = await cli('enable-user', TENANT, id);
      expect(again.output).toMatchObject({ adminDisabled: false, disabled: true });
      expect(again.output.warnings).toHaveLength(1);
      expect(await cliUser(id)).toMatchObject({ disabled: true, adminDisabled: false, scim: { active: false } });
      await expectLoginRefused(login, 'okta');

      await setActive(method, login, id, true);
      expect(await cliUser(id)).toMatchObject({ disabled: false, adminDisabled: false, scim: { active: true } });
      await expectLoginWorks(login, id);
      expect((await env.me(first.browser)).status).toBe(401);
    });
  });

  describe('user items of the previous version (one `disabled` flag)', () => {
    /**
     * A SCIM-provisioned user as the previous version stored it: the single
     * `disabled` flag, `deactivated` only for Okta's deactivation, the
     * revocation epoch in whole seconds, and its userName/externalId claims.
     */
    async function writeOldUser(login: string, flags: { disabled: boolean; deactivated?: boolean }) {
      const userId = derivedIdOf(login);
      const now = new Date().toISOString();
      const base = { pk: `TENANT#${TENANT}`, tenantId: TENANT, userId };
      await table.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: env.stack.tableName,
                Item: {
                  ...keys.user(TENANT, userId),
                  type: 'user',
                  tenantId: TENANT,
                  userId,
                  issuer: env.idp.issuer,
                  sub: subOf(login),
                  email: emailOf(login),
                  emailVerified: true,
                  name: `${login} Example`,
                  userName: emailOf(login),
                  scim: {
                    userName: emailOf(login),
                    externalId: subOf(login),
                    givenName: login,
                    familyName: 'Example',
                    displayName: `${login} Example`,
                    emails: [{ value: emailOf(login), type: 'work', primary: true }],
                  },
                  groups: ['Everyone'],
                  roles: [],
                  role: 'member',
                  ...flags,
                  sessionsNotBefore: Math.floor(Date.now() / 1000) - 60,
                  createdAt: now,
                  updatedAt: now,
                  lastLoginAt: now,
                  scimVersion: 1,
                },
              },
            },
            {
              Put: {
                TableName: env.stack.tableName,
                Item: { ...base, sk: keys.userName(TENANT, emailOf(login)).sk, type: 'user_name' },
              },
            },
            {
              Put: {
                TableName: env.stack.tableName,
                Item: { ...base, sk: keys.externalId(TENANT, subOf(login)).sk, type: 'external_id' },
              },
            },
          ],
        }),
      );
      return userId;
    }

    // Old code: SCIM active:false then true wrote `disabled = false || (true && !true)`: the
    // administrator's old disable was lifted by Okta (login 302 before enable-user); `users` had no
    // adminDisabled.
    it('`disabled: true` alone was the administrator’s: SCIM active true does not lift it, enable-user does', async () => {
      const id = await writeOldUser('mia', { disabled: true });
      expect(await cliUser(id)).toMatchObject({ disabled: true, adminDisabled: true, scim: { active: true } });
      expect((await scim('GET', `/Users/${id}`)).body.active).toBe(true);
      await expectLoginRefused('mia', 'admin');

      await setActive('PATCH', 'mia', id, false);
      await setActive('PUT', 'mia', id, true);
      expect(await cliUser(id)).toMatchObject({ disabled: true, adminDisabled: true, scim: { active: true } });
      await expectLoginRefused('mia', 'admin');
      // The new code's first write of a flag replaced the old one.
      expect(await userItem(id)).toMatchObject({ adminDisabled: true, deactivated: false });
      expect((await userItem(id))?.disabled).toBeUndefined();

      const enabled = await cli('enable-user', TENANT, id);
      expect(enabled.output).toMatchObject({ adminDisabled: false, disabled: false });
      await expectLoginWorks('mia', id);
    });

    // Old code: enable-user wrote `disabled = false REMOVE deactivated`, lifting Okta's deactivation
    // of an old item (the login after it got 302; its output had no warning).
    it('`disabled: true` with `deactivated: true` was Okta’s: enable-user does not lift it, SCIM active true does', async () => {
      const id = await writeOldUser('nia', { disabled: true, deactivated: true });
      expect(await cliUser(id)).toMatchObject({ disabled: true, adminDisabled: false, scim: { active: false } });
      expect((await scim('GET', `/Users/${id}`)).body.active).toBe(false);
      await expectLoginRefused('nia', 'okta');

      const enabled = await cli('enable-user', TENANT, id);
      expect(enabled.code).toBe(0);
      expect(enabled.output).toMatchObject({ adminDisabled: false, disabled: true });
      expect(enabled.output.warnings).toEqual([expect.stringContaining('Okta deactivated this user')]);
      expect((await userItem(id))?.disabled).toBeUndefined();
      await expectLoginRefused('nia', 'okta');

      await setActive('PATCH', 'nia', id, true);
      expect(await cliUser(id)).toMatchObject({ disabled: false, adminDisabled: false, scim: { active: true } });
      await expectLoginWorks('nia', id);

      // The same old item, lifted by SCIM alone (as before), with PUT.
      const other = await writeOldUser('oda', { disabled: true, deactivated: true });
      await expectLoginRefused('oda', 'okta');
      await setActive('PUT', 'oda', other, true);
      expect(await cliUser(other)).toMatchObject({ disabled: false, adminDisabled: false });
      expect((await userItem(other))?.disabled).toBeUndefined();
      await expectLoginWorks('oda', other);
    });
  });
});

describe('SCIM emails never reach the app', () => {
  /** What the app is told about the user: `/me`, the authorizer's route, and the stored ID-token fields. */
  async function expectTokenEmail(browser: TestBrowser, login: string, userId: string) {
    expect((await env.me(browser)).user).toMatchObject({ id: userId, email: emailOf(login) });
    // The example route echoes no email; the authorizer reads the same item, checked below.
    expect(await whoami(browser)).toMatchObject({ status: 200, body: { userId, tenant: TENANT } });
    expect(await userItem(userId)).toMatchObject({ email: emailOf(login), emailVerified: true });
    expect((await cliUser(userId))?.email).toBe(emailOf(login));
  }

  async function expectScimEmail(userId: string) {
    const resource = await scim('GET', `/Users/${userId}`);
    expect(resource.body.emails).toEqual([expect.objectContaining({ value: FOREIGN_EMAIL })]);
    expect((await cliUser(userId))?.scim?.emails).toEqual([FOREIGN_EMAIL]);
  }

  // Not a regression test: shows the tenant's policy is in force, so the tests below would notice
  // an email from another domain reaching the user.
  it("the tenant's policy is in force: an ID token with another domain's email is refused", async () => {
    env.idp.mutateNextIdToken({ claims: { email: 'kim@other.example' } });
    const refused = await signIn('kim');
    expect(refused.status).toBe(403);
    expect(await userItem(derivedIdOf('kim'))).toBeUndefined();
  });

  // Old code: SCIM wrote the primary SCIM email into the user's `email` next to the ID token's
  // `emailVerified: true`: `/me` said ceo@other.example (and `users` too), an address the tenant's
  // policy never let in.
  it('PATCH of the email (with and without path, deactivation included): 200, /me keeps the ID token’s', async () => {
    const { browser, status } = await signIn('hal');
    expect(status).toBe(302);
    const id = (await env.me(browser)).user.id as string;
    expect(id).toBe(derivedIdOf('hal'));

    const changed = await scim(
      'PATCH',
      `/Users/${id}`,
      patch({ op: 'replace', path: 'emails', value: [{ value: FOREIGN_EMAIL, type: 'work', primary: true }] }),
    );
    expect(changed.status).toBe(200);
    expect(changed.body.emails).toEqual([expect.objectContaining({ value: FOREIGN_EMAIL })]);
    await expectTokenEmail(browser, 'hal', id);
    await expectScimEmail(id);

    // Okta's deactivation carrying the foreign email: never refused for it.
    const off = await scim(
      'PATCH',
      `/Users/${id}`,
      patch({ op: 'replace', value: { active: false, emails: [{ value: FOREIGN_EMAIL, primary: true }] } }),
    );
    expect(off.status).toBe(200);
    expect((await env.me(browser)).status).toBe(401);
    const on = await scim('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: true }));
    expect(on.status).toBe(200);
    const again = await expectLoginWorks('hal', id);
    await expectTokenEmail(again, 'hal', id);
    await expectScimEmail(id);
  });

  // Old code: PUT wrote the SCIM email into `email`: `/me` said ceo@other.example.
  it('PUT with the email: 200, /me keeps the ID token’s, through a new login too', async () => {
    const { browser } = await signIn('ian');
    const id = (await env.me(browser)).user.id as string;
    const put = await scim('PUT', `/Users/${id}`, {
      ...oktaUser({ userName: emailOf('ian'), givenName: 'Ian', familyName: 'Example', externalId: subOf('ian') }),
      emails: [{ value: FOREIGN_EMAIL, type: 'work', primary: true }],
    });
    expect(put.status).toBe(200);
    await expectTokenEmail(browser, 'ian', id);
    await expectScimEmail(id);
    const again = await expectLoginWorks('ian', id);
    await expectTokenEmail(again, 'ian', id);
  });

  // Old code: the POST stored ceo@other.example as the user's `email` (`users` showed it before any
  // sign-in) and every later SCIM write (Okta's profile push) put it back over the ID token's.
  it('POST with the email before the first sign-in: the login is judged on its ID token, and keeps its email', async () => {
    const id = await provision('jon', { emails: [FOREIGN_EMAIL] });
    expect((await cliUser(id))?.email).toBeNull();
    expect((await userItem(id))?.email).toBeUndefined();
    await expectScimEmail(id);
    expect(
      (await scim('GET', `/Users?filter=${encodeURIComponent(`externalId eq "${subOf('jon')}"`)}`)).body,
    ).toMatchObject({ totalResults: 1, Resources: [{ id, emails: [{ value: FOREIGN_EMAIL }] }] });

    const browser = await expectLoginWorks('jon', id);
    await expectTokenEmail(browser, 'jon', id);

    // Okta pushes the profile again (a name change), emails included.
    const pushed = await scim('PUT', `/Users/${id}`, {
      ...oktaUser({ userName: emailOf('jon'), givenName: 'Jonathan', familyName: 'Example', externalId: subOf('jon') }),
      emails: [{ value: FOREIGN_EMAIL, type: 'work', primary: true }],
    });
    expect(pushed.status).toBe(200);
    await expectTokenEmail(browser, 'jon', id);
    await expectScimEmail(id);
  });
});

describe('Deprovisioning never fails on a uniqueness claim it does not need', () => {
  /** Holds `gil@acme.example` and has a sub: a login asking for that userName is not linked to it. */
  let holderId: string;

  beforeAll(async () => {
    holderId = await provision('gil');
  });

  /**
   * A login-created user who holds no userName: its ID token's
   * `preferred_username` is Gil's (a SCIM user with another sub, so not
   * linkable: `not_linkable` → a user of its own, `claimUserName: false`).
   * Its SCIM resource then shows its email as userName; another SCIM user
   * is created with exactly that userName.
   */
  async function userWithoutUserName(login: string) {
    env.idp.mutateNextIdToken({ claims: { preferred_username: emailOf('gil') } });
    const { browser, status } = await signIn(login);
    expect(status).toBe(302);
    const id = (await env.me(browser)).user.id as string;
    expect(id).toBe(derivedIdOf(login));
    expect(await filterUsers('userName', emailOf(login))).toEqual([]);
    const resource = await scim('GET', `/Users/${id}`);
    expect(resource.body).toMatchObject({ userName: emailOf(login), active: true });
    // Okta assigns someone whose userName is that email.
    const created = await scim(
      'POST',
      '/Users',
      oktaUser({ userName: emailOf(login), givenName: 'Other', familyName: login }),
    );
    expect(created.status).toBe(201);
    return { id, browser, otherId: created.body.id as string, resource: resource.body };
  }

  // Old code: the PATCH re-wrote the resource's userName (the email, another user's userName): 409
  // uniqueness, so Okta could not deactivate the user and their sessions went on; DELETE (a
  // deactivation then) failed the same way.
  it('PATCH active false: 200 and sessions end at once; DELETE: 204', async () => {
    const pat = await userWithoutUserName('pat');
    expect((await whoami(pat.browser)).status).toBe(200);
    const off = await scim('PATCH', `/Users/${pat.id}`, patch({ op: 'replace', value: { active: false } }));
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect((await env.me(pat.browser)).status).toBe(401);
    expect([401, 403]).toContain((await whoami(pat.browser)).status);
    await expectLoginRefused('pat', 'okta');
    // The userName stays the other user's.
    expect(await filterUsers('userName', emailOf('pat'))).toEqual([pat.otherId]);

    expect((await scim('DELETE', `/Users/${pat.id}`)).status).toBe(204);
    expect((await scim('GET', `/Users/${pat.id}`)).status).toBe(404);
    expect(await filterUsers('userName', emailOf('pat'))).toEqual([pat.otherId]);
    expect((await scim('GET', `/Users/${pat.otherId}`)).body).toMatchObject({ userName: emailOf('pat'), active: true });
  });

  // Old code: 409 (uniqueness) for the userName, or for the externalId another user holds.
  it('PUT active false naming other users’ userName and externalId: 200 and sessions end at once; DELETE: 204', async () => {
    const quin = await userWithoutUserName('quin');
    const off = await scim('PUT', `/Users/${quin.id}`, {
      ...oktaUser({ userName: emailOf('quin'), givenName: 'Quin', familyName: 'Example', active: false }),
      // Gil's externalId: held by Gil.
      externalId: subOf('gil'),
    });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect((await env.me(quin.browser)).status).toBe(401);
    await expectLoginRefused('quin', 'okta');
    expect(await filterUsers('userName', emailOf('quin'))).toEqual([quin.otherId]);
    expect(await filterUsers('externalId', subOf('gil'))).toEqual([holderId]);

    expect((await scim('DELETE', `/Users/${quin.id}`)).status).toBe(204);
    expect(await filterUsers('userName', emailOf('quin'))).toEqual([quin.otherId]);
    expect(await filterUsers('externalId', subOf('gil'))).toEqual([holderId]);
  });

  // Old code: DELETE deactivated through the same write as a PATCH, re-claiming the shown userName: 409.
  it('DELETE of an active user who holds no userName: 204 and sessions end at once', async () => {
    const rex = await userWithoutUserName('rex');
    const cookie = await sessionCookieOf(rex.browser);
    expect((await scim('DELETE', `/Users/${rex.id}`)).status).toBe(204);
    expect(await replay(cookie).me()).toBe(401);
    expect([401, 403]).toContain(await replay(cookie).whoami());
    // Still asking for Gil's userName (with its own, the login would be linked to the user SCIM
    // created with it, who by the link rule is this person).
    env.idp.mutateNextIdToken({ claims: { preferred_username: emailOf('gil') } });
    await expectLoginRefused('rex', 'deleted');
    expect(await filterUsers('userName', emailOf('rex'))).toEqual([rex.otherId]);
  });
});

describe('SCIM DELETE deletes (RFC 7644 §3.6)', () => {
  const membersOf = async (groupId: string) => {
    const group = await scim('GET', `/Groups/${groupId}?attributes=members`);
    expect(group.status).toBe(200);
    return ((group.body.members ?? []) as Array<{ value: string }>).map((member) => member.value).sort();
  };

  // Old code: DELETE only deactivated: GET answered 200 (active false), the filters still found the
  // user, a second DELETE 204, re-creating the userName/externalId 409; the group kept the member;
  // the login page said "deactivated"; no scim_user_deleted in the audit trail.
  it('re-created with its externalId (same id): gone until then, old sessions stay dead, new logins work', async () => {
    const id = await provision('dan');
    expect(id).toBe(derivedIdOf('dan'));
    const one = await signIn('dan');
    const two = await signIn('dan');
    expect([one.status, two.status]).toEqual([302, 302]);
    expect((await whoami(one.browser)).status).toBe(200);
    const group = await scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Deletion Test',
      members: [{ value: id }, { value: ownerId }],
    });
    expect(group.status).toBe(201);
    const groupId = group.body.id as string;
    expect(await membersOf(groupId)).toEqual([id, ownerId].sort());
    const cookie = await sessionCookieOf(one.browser);

    expect((await scim('DELETE', `/Users/${id}`)).status).toBe(204);

    // Every session, at once.
    for (const browser of [one.browser, two.browser]) {
      expect((await env.me(browser)).status).toBe(401);
      expect([401, 403]).toContain((await whoami(browser)).status);
    }
    expect(await replay(cookie).me()).toBe(401);
    // Gone to SCIM.
    expect((await scim('GET', `/Users/${id}`)).status).toBe(404);
    expect(await filterUsers('userName', emailOf('dan'))).toEqual([]);
    expect(await filterUsers('externalId', subOf('dan'))).toEqual([]);
    const listing = await scim('GET', '/Users?startIndex=1&count=200');
    expect(listing.body.Resources.map((user: { id: string }) => user.id)).not.toContain(id);
    expect(listing.body.Resources.map((user: { id: string }) => user.id)).toContain(ownerId);
    expect((await scim('DELETE', `/Users/${id}`)).status).toBe(404);
    expect((await scim('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }))).status).toBe(
      404,
    );
    expect(await membersOf(groupId)).toEqual([ownerId]);
    const audit = (await cli('audit', TENANT)).output as Array<{ type: string; actor: string; subject?: string }>;
    expect(audit).toContainEqual(expect.objectContaining({ type: 'scim_user_deleted', actor: 'scim', subject: id }));
    // Nothing to administer either.
    const disable = await cli('disable-user', TENANT, id);
    expect(disable.code).toBe(1);
    expect(disable.stderr).toContain('deleted by SCIM');
    expect(await cliUser(id)).toBeUndefined();
    // The person's tile login: refused until SCIM creates them again.
    await expectLoginRefused('dan', 'deleted');
    await expectLoginRefused('dan', 'deleted');

    expect(await provision('dan')).toBe(id);
    expect((await scim('GET', `/Users/${id}`)).body).toMatchObject({ active: true, groups: [] });
    expect(await membersOf(groupId)).toEqual([ownerId]);
    // Same id, but the sessions from before the DELETE stay ended.
    expect(await replay(cookie).me()).toBe(401);
    expect([401, 403]).toContain(await replay(cookie).whoami());
    const browser = await expectLoginWorks('dan', id);
    expect((await whoami(browser)).body).toMatchObject({ userId: id });
    expect(await replay(cookie).me()).toBe(401);
  });

  // Old code: the DELETE deactivated; POST of the same userName was 409, and the login got the
  // deactivated page.
  it('re-created without externalId: the login links to the new user; the old cookie stays dead', async () => {
    const id = await provision('eve');
    const first = await signIn('eve');
    expect(first.status).toBe(302);
    const cookie = await sessionCookieOf(first.browser);

    expect((await scim('DELETE', `/Users/${id}`)).status).toBe(204);
    expect(await replay(cookie).me()).toBe(401);
    await expectLoginRefused('eve', 'deleted');

    const again = await provision('eve', { externalId: false });
    expect(again).not.toBe(id);
    expect(await filterUsers('userName', emailOf('eve'))).toEqual([again]);
    const browser = await expectLoginWorks('eve', again);
    expect((await whoami(browser)).body).toMatchObject({ userId: again });
    expect(await replay(cookie).me()).toBe(401);
    expect((await scim('GET', `/Users/${id}`)).status).toBe(404);
    expect((await scim('GET', `/Users/${again}`)).body).toMatchObject({ userName: emailOf('eve'), active: true });
  });

  // Old code: the DELETE deactivated the user: GET 200, and the login got the deactivated page
  // (not "removed").
  it('deleting a user linked at login (created without externalId) blocks the login too', async () => {
    const id = await provision('fay', { externalId: false });
    expect(id).not.toBe(derivedIdOf('fay'));
    const first = await signIn('fay');
    expect(first.status).toBe(302);
    expect((await env.me(first.browser)).user).toMatchObject({ id, sub: subOf('fay') });
    const cookie = await sessionCookieOf(first.browser);

    expect((await scim('DELETE', `/Users/${id}`)).status).toBe(204);
    expect(await replay(cookie).me()).toBe(401);
    expect([401, 403]).toContain(await replay(cookie).whoami());
    expect((await scim('GET', `/Users/${id}`)).status).toBe(404);
    expect(await filterUsers('userName', emailOf('fay'))).toEqual([]);
    // Neither the SCIM id nor the login's id names anyone to the CLI.
    expect((await cli('enable-user', TENANT, id)).code).toBe(1);
    expect((await cli('enable-user', TENANT, derivedIdOf('fay'))).code).toBe(1);
    await expectLoginRefused('fay', 'deleted');

    const again = await provision('fay', { externalId: false });
    const browser = await expectLoginWorks('fay', again);
    expect((await env.me(browser)).user.id).not.toBe(id);
    expect(await replay(cookie).me()).toBe(401);
  });
});
