import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ServiceError } from '../errors.ts';
import { createHttpHandler, type RouteHandler } from '../http/middleware.ts';
import { pageCsp } from '../http/pages.ts';
import { publicOrigin, queryParams } from '../http/request.ts';
import { type HttpResult, html, redirect, setCookie } from '../http/responses.ts';
import { startLogin } from '../login/initiate-login.ts';
import { callbackUri } from '../login/tenant.ts';
import { TenantAdminError } from '../tenant-admin.ts';
import type { CheckResult } from '../tenant-check.ts';
import { isTenantConnected } from '../tenants.ts';
import { countSetupAttempt, openSetupForm, openSetupLink, openSetupVisit, type SetupVisit } from './access.ts';
import { checkOktaConnection } from './checks.ts';
import type { SetupDependencies } from './dependencies.ts';
import { claimSetupForm, type SetupFormUse, setupActionForm } from './form-nonce.ts';
import { setupCookieName, setupCsrfToken } from './link.ts';
import { offersGroupsChoice, renderActivatedPage, renderSetupPage, type SetupPageView } from './page.ts';

export type { SetupDependencies } from './dependencies.ts';

/**
 * The setup cookie lasts a working day, even past the link's end: every
 * request checks the link, and a browser that still holds it is told why it
 * ended (expired on, used to activate on) rather than that it never opened it.
 */
const SETUP_COOKIE_SECONDS = 8 * 3600;

/** Route table of the setup function. */
export function setupRoutes(deps: SetupDependencies): Record<string, RouteHandler> {
  return {
    'GET /t/{tenant}/setup': (event) => landing(deps, event),
    'POST /t/{tenant}/setup/check': (event) => check(deps, event),
    'POST /t/{tenant}/setup/test': (event) => testSignIn(deps, event),
    'POST /t/{tenant}/setup/activate': (event) => activate(deps, event),
    'POST /t/{tenant}/setup/actions/{action}': (event) => runAction(deps, event),
  };
}

export function createSetupHandler(deps: SetupDependencies) {
  return createHttpHandler(setupRoutes(deps), { logger: deps.logger });
}

/**
 * `GET /t/{tenant}/setup?token=…` exchanges the link's token for an HttpOnly
 * `__Host-` cookie and sends the browser to the same address without it, so
 * the token leaves the address bar, history and any later request at once;
 * `GET /t/{tenant}/setup` shows the page to a browser holding the cookie.
 */
async function landing(deps: SetupDependencies, event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const token = queryParams(event).get('token');
  if (token !== undefined) {
    const visit = await openSetupLink(deps, event, token);
    // The platform team can see that (and when) the admin opened the link; never the token.
    await deps.admin.record('setup_link_opened', visit.tenant.tenantId);
    deps.logger.info('setup link opened');
    return redirect(`/t/${visit.tenant.tenantId}/setup`, [
      setCookie(setupCookieName(visit.tenant.tenantId), token, SETUP_COOKIE_SECONDS),
    ]);
  }
  return page(deps, event, await openSetupVisit(deps, event));
}

async function page(
  deps: SetupDependencies,
  event: APIGatewayProxyEventV2,
  visit: SetupVisit,
  extra: Pick<SetupPageView, 'typed' | 'checks' | 'revealed' | 'repeated'> = {},
  status = 200,
): Promise<HttpResult> {
  const origin = publicOrigin(event, deps.config.publicUrl);
  const { tenant } = visit;
  const test = await deps.setup.getSetupTestResult(tenant.tenantId);
  const view: SetupPageView = {
    tenant,
    origin,
    csrf: setupCsrfToken(visit.token, tenant.tenantId),
    linkExpiresAt: visit.link.expiresAt,
    extraSteps: deps.extensions.flatMap((extension) => extension.steps({ tenant, origin })),
    test,
    ...extra,
  };
  const result = html(status, renderSetupPage(view));
  // The test sign-in form is answered with a redirect to the tenant's Okta, which form-action must allow.
  const okta = isTenantConnected(tenant) ? await authorizationOrigin(deps, tenant.issuer) : undefined;
  if (okta) result.headers['content-security-policy'] = pageCsp([okta]);
  return result;
}

async function authorizationOrigin(deps: SetupDependencies, issuer: string): Promise<string | undefined> {
  try {
    return new URL((await deps.discovery.get(issuer)).authorizationEndpoint).origin;
  } catch {
    // The page still works; the connect step's checks say what is wrong with the issuer.
    return undefined;
  }
}

/**
 * A form sent again (a reload re-posts it): 409 and the page, saying when it
 * ran, with fresh forms (and, for a step's action, a confirmation form).
 */
function repeated(
  deps: SetupDependencies,
  event: APIGatewayProxyEventV2,
  visit: SetupVisit,
  earlier: SetupFormUse,
): Promise<HttpResult> {
  deps.logger.info('setup form sent again: not run again', { form: earlier.form });
  return page(deps, event, visit, { repeated: earlier }, 409);
}

/** `POST …/setup/check`: the live checks; everything is saved only when every check passes. */
async function check(deps: SetupDependencies, event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const { visit, params } = await openSetupForm(deps, event);
  const claim = await claimSetupForm(deps, visit, params, 'check');
  if (claim.earlier) return repeated(deps, event, visit, claim.earlier);
  const tenantId = visit.tenant.tenantId;
  await countSetupAttempt(deps, tenantId);
  const issuer = (params.get('issuer') ?? '').trim();
  const clientId = (params.get('client_id') ?? '').trim();
  const clientSecret = params.get('client_secret') ?? '';
  const groups = params.get('groups') === 'on';
  const results: CheckResult[] = await checkOktaConnection(
    { issuer, clientId, clientSecret },
    {
      fetch: deps.fetch,
      timeoutMs: deps.config.idpTimeoutMs,
      allowLoopback: deps.config.allowLoopbackIssuers,
      redirectUri: callbackUri(deps, event, visit.tenant),
      authMethod: visit.tenant.tokenEndpointAuthMethod,
      idTokenAlgorithms: visit.tenant.idTokenAlgorithms,
    },
  );
  const passed = results.every((result) => result.ok);
  const failed = results.filter((result) => !result.ok).map((result) => result.check);
  await deps.admin.record('setup_checked', tenantId, {
    outcome: passed ? 'success' : 'failure',
    ...(passed ? {} : { details: { failed: failed.join(',') } }),
  });
  let tenant = visit.tenant;
  if (passed) {
    // Through tenant administration: the secret to the secret store, then the config, then the audit event.
    // Only to the tenant this link is for: one deleted meanwhile (even if created again) is not written.
    const saved = await asSetupError(() =>
      deps.admin.save(
        tenantId,
        { issuer, clientId, ...(offersGroupsChoice(tenant) ? { requestGroups: groups } : {}) },
        async () => clientSecret,
        { generation: tenant.generation },
      ),
    );
    tenant = saved.config;
  }
  await claim.finish();
  deps.logger.info('setup checks', { passed, failed });
  return page(
    deps,
    event,
    { ...visit, tenant },
    { typed: { issuer, clientId, groups }, checks: { results, saved: passed } },
  );
}

/** `POST …/setup/test`: a real login against the admin's Okta, marked so its callback provisions nothing. */
async function testSignIn(deps: SetupDependencies, event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const { visit } = await openSetupForm(deps, event);
  if (!isTenantConnected(visit.tenant)) throw new ServiceError('INVALID_REQUEST', { reason: 'setup_not_connected' });
  await countSetupAttempt(deps, visit.tenant.tenantId);
  deps.logger.info('setup test sign-in started');
  return startLogin(deps, event, visit.tenant, { target: undefined, loginHint: undefined, purpose: 'setup-test' });
}

/**
 * `POST …/setup/actions/{action}`: a step's action (e.g. a credential Okta
 * needs), its values shown once; run once per form, and again only from a
 * fresh form (the confirmation one says `confirm=again`, which the audit keeps).
 */
async function runAction(deps: SetupDependencies, event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const { visit, params } = await openSetupForm(deps, event);
  const context = { tenant: visit.tenant, origin: publicOrigin(event, deps.config.publicUrl) };
  const id = event.pathParameters?.action ?? '';
  const action = deps.extensions
    .flatMap((extension) => extension.steps(context))
    .map((step) => step.action)
    .find((candidate) => candidate?.id === id);
  if (!action) throw new ServiceError('ROUTE_NOT_FOUND');
  const claim = await claimSetupForm(deps, visit, params, setupActionForm(id));
  if (claim.earlier) return repeated(deps, event, visit, claim.earlier);
  await countSetupAttempt(deps, visit.tenant.tenantId);
  const values = await action.run(context);
  await claim.finish();
  const again = params.get('confirm') === 'again';
  await deps.admin.record('setup_action', visit.tenant.tenantId, {
    details: { action: id, ...(again ? { confirmed: 'again' } : {}) },
  });
  deps.logger.info('setup action', { action: id, again });
  return page(deps, event, visit, { revealed: { actionId: id, values } });
}

/**
 * `POST …/setup/activate`: the tenant goes live and the link is spent. The
 * setup cookie stays: the page opened again (a reload, the back button) says
 * when this link activated the tenant.
 */
async function activate(deps: SetupDependencies, event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const { visit, params } = await openSetupForm(deps, event);
  if (!isTenantConnected(visit.tenant)) throw new ServiceError('INVALID_REQUEST', { reason: 'setup_not_connected' });
  const claim = await claimSetupForm(deps, visit, params, 'activate');
  if (claim.earlier) return repeated(deps, event, visit, claim.earlier);
  const live = await asSetupError(() =>
    deps.admin.activate(visit.tenant.tenantId, { generation: visit.tenant.generation }),
  );
  await claim.finish();
  deps.logger.info('setup finished: tenant activated');
  return html(200, renderActivatedPage(live));
}

/**
 * Tenant administration's refusals as the setup pages' errors: the tenant
 * deleted meanwhile makes the link unusable (as for any link of a deleted
 * tenant); a write that kept losing to concurrent ones is a 503 to retry.
 */
async function asSetupError<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof TenantAdminError) || error.kind === 'invalid') throw error;
    if (error.kind === 'not_found') throw new ServiceError('SETUP_LINK_INVALID', { reason: 'setup_link_unknown' });
    throw new ServiceError('STORE_UNAVAILABLE', { reason: 'tenant_config_contention' });
  }
}
