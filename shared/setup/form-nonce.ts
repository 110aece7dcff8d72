/**
 * One-time nonces of the setup page's action forms (Check and save, Activate,
 * a step's action such as creating the SCIM token). Every rendered form
 * carries a fresh random nonce; the action runs only after a conditional write
 * marked that nonce used, so a form sent again (a reload re-posts it, a double
 * click, the back button) never runs its action a second time: the page says
 * when it ran and offers to do it again with a fresh form. The nonce is not a
 * credential (the CSRF token, the cookie and the same-origin check are) and
 * carries nothing secret; the values an action shows once are never stored.
 */
import { ServiceError } from '../errors.ts';
import type { Params } from '../http/request.ts';
import { randomToken } from '../oidc/authorization-request.ts';
import type { SetupVisit } from './access.ts';
import type { SetupDependencies } from './dependencies.ts';

/** A setup form's nonce, once used. */
export interface SetupFormUse {
  readonly tenantId: string;
  readonly nonce: string;
  /** The form: `check`, `activate` or `actions/<id>`. */
  readonly form: string;
  /** ISO time the form was first sent. */
  readonly usedAt: string;
  /** ISO time its action finished; absent while it runs, or when it failed. */
  readonly finishedAt?: string;
  /**
   * Epoch seconds; also the DynamoDB TTL. The link's expiry: every form of the
   * link is refused after it, and a re-issued link has another CSRF token.
   */
  readonly expiresAt: number;
}

/** The form of a step's action (`SetupAction`), as its path under `/t/{tenant}/setup/`. */
export function setupActionForm(actionId: string): string {
  return `actions/${actionId}`;
}

/** The form field that carries the nonce. */
export const SETUP_FORM_NONCE_FIELD = 'nonce';

/** 128 random bits, base64url (22 characters): a fresh one in every form of every page. */
export function newSetupFormNonce(): string {
  return randomToken(16);
}

const NONCE = /^[A-Za-z0-9_-]{22}$/;

export function isWellFormedSetupFormNonce(value: string | undefined): value is string {
  return value !== undefined && NONCE.test(value);
}

/** A form sent for the first time (run it, then `finish`), or again (its first use). */
export type SetupFormClaim =
  | { readonly earlier: SetupFormUse }
  | { readonly earlier: undefined; finish(): Promise<void> };

/**
 * Marks the form's nonce used before its action runs. Called after the form's
 * CSRF checks, so a refused request uses up nothing. A form without a
 * well-formed nonce (a page served before nonces, or not ours) is refused as
 * out of date: reloading the page gives fresh forms.
 */
export async function claimSetupForm(
  deps: SetupDependencies,
  visit: SetupVisit,
  params: Params,
  form: string,
): Promise<SetupFormClaim> {
  const nonce = params.get(SETUP_FORM_NONCE_FIELD);
  if (!isWellFormedSetupFormNonce(nonce)) {
    throw new ServiceError('CROSS_SITE_REQUEST', { reason: 'setup_form_expired' });
  }
  const { tenantId } = visit.tenant;
  const earlier = await deps.setup.useSetupForm({
    tenantId,
    nonce,
    form,
    usedAt: deps.now().toISOString(),
    expiresAt: visit.link.expiresAt,
  });
  if (earlier) return { earlier };
  return {
    earlier: undefined,
    finish: () => deps.setup.finishSetupForm(tenantId, nonce, deps.now().toISOString()),
  };
}
