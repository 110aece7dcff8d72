import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ServiceError } from '../errors.ts';
import { formParams, type Params, publicOrigin, requestCookies } from '../http/request.ts';
import { assertSameOrigin } from '../http/same-origin.ts';
import { isValidTenantId, type TenantConfig } from '../tenants.ts';
import type { SetupDependencies } from './dependencies.ts';
import { checkSetupLink, formatSetupTime, isValidSetupCsrfToken, type SetupLink, setupCookieName } from './link.ts';

/** A request that holds the tenant's valid setup link. */
export interface SetupVisit {
  readonly tenant: TenantConfig;
  readonly link: SetupLink;
  /** The link token: it keys the forms' CSRF tokens, and is never written anywhere but the cookie. */
  readonly token: string;
}

export function tenantIdOf(event: APIGatewayProxyEventV2): string {
  return event.pathParameters?.tenant ?? '';
}

/**
 * Opens the setup link for the tenant in the path with `token` (from the
 * link's URL, or from the setup cookie): the link must exist, match in
 * constant time, be unexpired and not spent by an activation. Both items are
 * read consistently on every request, so revoking or re-issuing applies at once.
 */
export async function openSetupLink(
  deps: SetupDependencies,
  event: APIGatewayProxyEventV2,
  token: string | undefined,
): Promise<SetupVisit> {
  const tenantId = tenantIdOf(event);
  if (!isValidTenantId(tenantId)) throw new ServiceError('SETUP_LINK_INVALID', { reason: 'setup_link_unknown' });
  const [tenant, link] = await Promise.all([deps.tenants.getTenant(tenantId), deps.setup.getSetupLink(tenantId)]);
  const check = checkSetupLink(link, tenant, token, deps.now());
  if (!check.ok || !tenant || !link || token === undefined) {
    const refusal = check.ok ? 'unknown' : check.refusal;
    throw new ServiceError('SETUP_LINK_INVALID', {
      reason: `setup_link_${refusal}`,
      details: refusal === 'unknown' || !tenant || !link ? {} : refusalDates(refusal, tenant, link),
    });
  }
  return { tenant, link, token };
}

/**
 * When the link ended, for its holder only (`checkSetupLink` says more than
 * `unknown` only to the right token): the page says why it no longer works.
 */
function refusalDates(refusal: 'expired' | 'finished', tenant: TenantConfig, link: SetupLink): Record<string, string> {
  if (refusal === 'expired') return { expiredAt: formatSetupTime(new Date(link.expiresAt * 1000)) };
  return tenant.activatedAt ? { activatedAt: formatSetupTime(new Date(tenant.activatedAt)) } : {};
}

/** The link token this browser holds for the tenant, from its setup cookie. */
export function setupCookieToken(event: APIGatewayProxyEventV2): string | undefined {
  return requestCookies(event).get(setupCookieName(tenantIdOf(event)));
}

/** The visit of a browser that has exchanged its link for the setup cookie. */
export async function openSetupVisit(deps: SetupDependencies, event: APIGatewayProxyEventV2): Promise<SetupVisit> {
  const token = setupCookieToken(event);
  if (token === undefined) throw new ServiceError('SETUP_LINK_INVALID', { reason: 'setup_cookie_missing' });
  return openSetupLink(deps, event, token);
}

/**
 * A setup form post: from our own page (Sec-Fetch-Site / Origin, as logout),
 * by a browser holding the link (the cookie), carrying the synchronizer token
 * derived from that link. Checked in that order, cheapest first.
 */
export async function openSetupForm(
  deps: SetupDependencies,
  event: APIGatewayProxyEventV2,
): Promise<{ visit: SetupVisit; params: Params }> {
  assertSameOrigin(event, publicOrigin(event, deps.config.publicUrl), 'cross_site_setup');
  const params = formParams(event);
  const visit = await openSetupVisit(deps, event);
  if (!isValidSetupCsrfToken(visit.token, visit.tenant.tenantId, params.get('csrf'))) {
    throw new ServiceError('CROSS_SITE_REQUEST', { reason: 'setup_form_expired' });
  }
  return { visit, params };
}

/** Window of the attempt counter. */
export const SETUP_ATTEMPT_WINDOW_SECONDS = 15 * 60;

/**
 * Counts a live check or test sign-in against the link's budget per window
 * (a conditional counter in DynamoDB, so concurrent functions share it).
 */
export async function countSetupAttempt(deps: SetupDependencies, tenantId: string): Promise<void> {
  const now = Math.floor(deps.now().getTime() / 1000);
  const windowStart = now - (now % SETUP_ATTEMPT_WINDOW_SECONDS);
  const windowEnd = windowStart + SETUP_ATTEMPT_WINDOW_SECONDS;
  if (!(await deps.setup.countSetupAttempt(tenantId, windowStart, windowEnd, deps.config.setupAttemptLimit))) {
    throw new ServiceError('SETUP_RATE_LIMITED', {
      details: { retryMinutes: String(Math.max(1, Math.ceil((windowEnd - now) / 60))) },
    });
  }
}
