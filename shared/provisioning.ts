import { ServiceError } from './errors.ts';
import { type FoundBy, type LoginWrite, planLoginWrite } from './login-write.ts';
import type { LoginRecord, LoginRefusal, LoginStore } from './ports.ts';
import type { TenantConfig } from './tenants.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A login's two answers as one word, for logs and tests: `owner`/`member`
 * (created now), `returning`, `claim_owner` (an existing user's first
 * sign-in in a tenant without owner), `link`/`link_owner` (linked by userName).
 */
export type LoginMode = 'returning' | 'owner' | 'member' | 'claim_owner' | 'link' | 'link_owner';

const MODES: Record<FoundBy, readonly [unclaimed: LoginMode, claimed: LoginMode]> = {
  existing: ['returning', 'claim_owner'],
  new: ['member', 'owner'],
  userName: ['link', 'link_owner'],
};

export interface ProvisioningResult {
  /** How the login was finally written; `owner`/`member` mean the user was created now. */
  readonly mode: LoginMode;
  /** Whether this login made its user the tenant's owner. */
  readonly ownerClaimed: boolean;
  /** The roles the user had before, when this login changed them. */
  readonly previousRoles: readonly string[] | undefined;
  /** The record as written: its user id is the session's (a SCIM user's, when the login was linked to one). */
  readonly record: LoginRecord;
}

type ProvisioningTenant = Pick<TenantConfig, 'hasOwner'> & { readonly defaultRoles?: readonly string[] };

/** What a login knows between its attempts: the write it tries next, and whether it met a deleted user. */
interface Attempt extends LoginWrite {
  readonly deletedSeen: boolean;
}

interface Context {
  readonly store: LoginStore;
  readonly tenant: ProvisioningTenant;
  /** The id the login derives from (issuer, sub). */
  readonly derivedUserId: string;
  readonly resolved: (userId: string) => void;
}

// Each transition is taken at most once or twice, plus retries after write
// conflicts; the bound only guards against a store bug or extreme contention.
const MAX_ATTEMPTS = 16;

/**
 * Just-in-time provisioning. The common case (a returning user) is one
 * transaction. A first login then tries to become the tenant's owner through
 * a conditional write on the tenant's single OWNER item, and falls back to
 * member when another login got there first: never read-then-write, so 50
 * racing first logins still produce exactly one owner.
 *
 * SCIM users are found the same way, by the outcome of a conditional write
 * rather than a read first: one SCIM created with Okta's user id as
 * externalId sits at the id this login derives (`user_exists`: sign it in,
 * claiming ownership if nobody has); one created without it holds the
 * userName this login's `preferred_username` asks for (`username_taken`: link
 * it); a linked one answers at the derived id with a pointer (`linked`).
 * What each write is and what its refusals mean is `login-write.ts`; here,
 * which write comes next.
 */
export async function provisionLogin(
  store: LoginStore,
  record: LoginRecord,
  tenant: ProvisioningTenant,
  /** Told the user this login turned out to be (a linked SCIM user), so a refusal is audited under them. */
  resolved: (userId: string) => void = () => {},
): Promise<ProvisioningResult> {
  const context: Context = { store, tenant, derivedUserId: record.userId, resolved };
  let attempt = firstAttempt(record, tenant);
  for (let count = 0; count < MAX_ATTEMPTS; count++) {
    const outcome = await store.recordLogin(planLoginWrite(attempt));
    if (outcome.kind === 'written') return resultOf(attempt);
    if (outcome.kind === 'conflict') await sleep(10 + Math.random() * 40 * (count + 1));
    else attempt = await nextAttempt(attempt, outcome, context);
  }
  throw new ServiceError('INTERNAL', { reason: 'provisioning_contention' });
}

/**
 * A tenant with an owner: the login is most likely a returning user's. A
 * tenant without one has no signed-in users at all (the first one becomes the
 * owner), so its first login goes straight to the owner claim: one
 * transaction, not two.
 */
function firstAttempt(record: LoginRecord, tenant: ProvisioningTenant): Attempt {
  const ownerTaken = tenant.hasOwner === true;
  return {
    record,
    found: ownerTaken ? 'existing' : 'new',
    claimsOwner: !ownerTaken,
    previousRoles: undefined,
    claimUserName: true,
    initScimGroups: false,
    deletedSeen: false,
  };
}

function resultOf(attempt: Attempt): ProvisioningResult {
  return {
    mode: MODES[attempt.found][attempt.claimsOwner ? 1 : 0],
    ownerClaimed: attempt.claimsOwner,
    previousRoles: attempt.previousRoles,
    record: attempt.record,
  };
}

type Refusal<K extends LoginRefusal['kind']> = Extract<LoginRefusal, { readonly kind: K }>;
type Step<K extends LoginRefusal['kind']> = (
  attempt: Attempt,
  refusal: Refusal<K>,
  context: Context,
) => Attempt | Promise<Attempt>;

/** A refusal that changes the next write (`conflict` is retried as it is by the loop). */
type Redirecting = Exclude<LoginRefusal['kind'], 'conflict'>;

/** The next write after a refusal. */
function nextAttempt(attempt: Attempt, refusal: Refusal<Redirecting>, context: Context): Attempt | Promise<Attempt> {
  const step = STEPS[refusal.kind] as Step<Redirecting>;
  return step(attempt, refusal, context);
}

const STEPS: { readonly [K in Redirecting]: Step<K> } = {
  // Okta group membership changed since the last login: accept it, and audit it.
  roles_changed: (attempt, refusal) => ({ ...attempt, previousRoles: refusal.previousRoles }),
  user_missing: (attempt) => ({ ...attempt, found: 'new' }),
  owner_taken: (attempt) => ({ ...attempt, claimsOwner: false }),
  // The same person's other login, or SCIM with Okta's user id, created the user a moment ago.
  user_exists: (attempt, _, context) => ({
    ...attempt,
    record: withUser(attempt.record, context.derivedUserId),
    found: 'existing',
    previousRoles: undefined,
  }),
  linked: (attempt, refusal, context) => {
    context.resolved(refusal.userId);
    return { ...attempt, record: withUser(attempt.record, refusal.userId), previousRoles: undefined };
  },
  user_deleted: toRecreatedUser,
  // Created by SCIM without an externalId, with this person's userName: link it.
  username_taken: (attempt, refusal) => ({
    ...attempt,
    record: withUser(attempt.record, refusal.userId),
    found: 'userName',
  }),
  not_linkable: (attempt, _, context) => {
    if (attempt.deletedSeen) throw deletedError();
    // The userName belongs to someone else (or nobody by now): a user of its own, without it.
    const record = withUser(attempt.record, context.derivedUserId);
    return { ...attempt, record, found: 'new', claimUserName: false, previousRoles: undefined };
  },
  // The tenant's first SCIM group arrived after this container read its config.
  roles_from_scim: (attempt, _, context) => {
    const { record } = attempt;
    const profile = { ...record.profile, groups: [], roles: [...(context.tenant.defaultRoles ?? [])] };
    return {
      ...attempt,
      record: { ...record, rolesFrom: 'scim', profile },
      previousRoles: undefined,
      initScimGroups: false,
    };
  },
  // SCIM groups started while this user was away: they are in none (default roles).
  scim_groups_missing: (attempt) => ({ ...attempt, initScimGroups: true, previousRoles: undefined }),
  tenant_gone: () => {
    throw new ServiceError('TENANT_NOT_FOUND', { reason: 'tenant_deleted_during_login' });
  },
  user_disabled: (attempt, refusal, context) => {
    context.resolved(attempt.record.userId);
    throw new ServiceError('USER_DISABLED', refusal.deactivated ? { reason: 'user_deactivated' } : {});
  },
};

/**
 * SCIM deleted the user this login's id names: only a user SCIM created again
 * without Okta's user id (found by userName, once) signs in, linked. The link
 * rule decides (`user-identity.ts`): only a SCIM user without a sub is linked.
 */
async function toRecreatedUser(attempt: Attempt, _: Refusal<'user_deleted'>, context: Context): Promise<Attempt> {
  const { record } = attempt;
  const holder =
    !attempt.deletedSeen && record.profile.userName
      ? await context.store.findUserIdByUserName(record.tenantId, record.profile.userName)
      : undefined;
  if (!holder || holder === context.derivedUserId) throw deletedError();
  return {
    ...attempt,
    record: withUser(record, holder),
    found: 'userName',
    previousRoles: undefined,
    deletedSeen: true,
  };
}

const deletedError = () => new ServiceError('USER_DISABLED', { reason: 'user_deleted' });

/** The same login for another user id: its session belongs to that user. */
function withUser(record: LoginRecord, userId: string): LoginRecord {
  if (record.userId === userId) return record;
  return { ...record, userId, session: { ...record.session, userId } };
}
