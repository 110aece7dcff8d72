/**
 * The setup link's pages: what the tenant's Okta admin reads and types. The
 * values to copy are built from the deployment's public origin and the tenant
 * id; results and warnings come in the catalogue's words. The client secret
 * is never written into a page: its field is always empty.
 */
import { ServiceError } from '../errors.ts';
import { describeError, SETUP_CHECK_WORDS, SETUP_WARNING_WORDS } from '../http/error-catalogue.ts';
import { escapeHtml, renderPage } from '../http/pages.ts';
import type { CheckResult } from '../tenant-check.ts';
import { isTenantActive, isTenantConnected, type TenantConfig } from '../tenants.ts';
import type { SetupStep, SetupValue } from './extensions.ts';
import type { SetupTestResult } from './link.ts';

export interface SetupPageView {
  readonly tenant: TenantConfig;
  readonly origin: string;
  /** The forms' synchronizer token. */
  readonly csrf: string;
  /** Epoch seconds. */
  readonly linkExpiresAt: number;
  readonly extraSteps: readonly SetupStep[];
  readonly test: SetupTestResult | undefined;
  /** What was typed (never the secret), to fill the form again after a check. */
  readonly typed?: { readonly issuer: string; readonly clientId: string; readonly groups: boolean };
  readonly checks?: { readonly results: readonly CheckResult[]; readonly saved: boolean };
  /** Values a step's action just produced: shown in this response only. */
  readonly revealed?: { readonly actionId: string; readonly values: readonly SetupValue[] };
}

const h = escapeHtml;

/** Whether the page asks about the groups claim: the tenant maps groups to roles, or asks for them. */
export function wantsGroups(tenant: TenantConfig): boolean {
  return tenant.requestGroups || tenant.roleMappings.length > 0;
}

export function renderSetupPage(view: SetupPageView): string {
  const { tenant } = view;
  const live = isTenantActive(tenant);
  const expires = formatTime(new Date(view.linkExpiresAt * 1000));
  const body = `<h1>Set up sign-in with Okta</h1>
<p>For the organization <code>${h(tenant.tenantId)}</code>: create the app in your Okta, connect it here, test a sign-in, then activate. ${
    live
      ? '<strong>Sign-in is live</strong>: what you save here applies at once.'
      : 'Nothing is live until you activate: until then the app’s tile says setup is not finished.'
  }</p>
<p class="muted"><small>This link works until ${h(expires)}. Keep it to yourself: it is the only key to this page.</small></p>
${oktaAppSection(view)}
${connectSection(view)}
${testSection(view)}
${activateSection(view)}`;
  return renderPage('Set up sign-in with Okta', body, { wide: true });
}

function copy(label: string, value: string): string {
  return `${h(label)}: <code class="copy">${h(value)}</code>`;
}

function oktaAppSection(view: SetupPageView): string {
  const base = `${view.origin}/t/${view.tenant.tenantId}`;
  const groups = wantsGroups(view.tenant)
    ? '<strong>This organization maps Okta groups to app roles</strong>, so the ID token needs a groups claim.'
    : 'Optional: only needed if the app should get roles from Okta groups.';
  const extra = view.extraSteps.map((step) => extraStep(view, step)).join('\n');
  return `<section id="okta-app"><h2>1. Create the app integration in Okta</h2>
<p>In your Okta Admin Console:</p>
<ol class="steps">
<li><strong>Applications → Applications → Create App Integration</strong>: sign-in method <em>OIDC - OpenID Connect</em>, application type <em>Web Application</em>.</li>
<li><strong>Grant type</strong>: <em>Authorization Code</em> (nothing else is needed).</li>
<li>${copy('Sign-in redirect URI', `${base}/callback`)}</li>
<li><strong>Login initiated by</strong>: <em>Either Okta or App</em>; <strong>Application visibility</strong>: <em>Display application icon to users</em>; <strong>Login flow</strong>: <em>Redirect to app to initiate login (OIDC Compliant)</em>.<br>${copy('Initiate login URI', `${base}/login`)}</li>
<li><strong>Groups claim</strong>. ${groups} With the org authorization server (issuer <code>https://&lt;org&gt;.okta.com</code>): the app’s <em>Sign On</em> tab → <em>OpenID Connect ID Token</em> → Groups claim type <em>Filter</em>, name <code>groups</code>, <em>Matches regex</em> <code>.*</code>. With a custom authorization server: its <em>Claims</em> tab (the check below says which you have). Okta refuses a sign-in with more than 100 groups: narrow the filter if people have more.</li>
<li><strong>Assignments</strong>: assign the people or groups who may use the app; others are told to ask you.</li>
${extra}
</ol></section>`;
}

/** A step another feature contributes: its words, values to copy, and its action's button or one-time result. */
function extraStep(view: SetupPageView, step: SetupStep): string {
  const values = (step.values ?? []).map((value) => `<br>${copy(value.label, value.value)}`).join('');
  const { action } = step;
  let actionHtml = '';
  if (action && view.revealed?.actionId === action.id) {
    actionHtml = `<div class="saved" data-testid="revealed-${h(action.id)}"><p>Shown this once: copy it into Okta now. Doing it again replaces it.</p>${view.revealed.values
      .map((value) => copy(value.label, value.value))
      .join('<br>')}</div>`;
  } else if (action) {
    actionHtml = `<form method="post" action="/t/${h(view.tenant.tenantId)}/setup/actions/${h(action.id)}#okta-app">
<input type="hidden" name="csrf" value="${h(view.csrf)}"><button type="submit">${h(action.label)}</button></form>`;
  }
  return `<li><strong>${h(step.title)}</strong>: ${h(step.text)}${values}${actionHtml}</li>`;
}

function connectSection(view: SetupPageView): string {
  const { tenant } = view;
  const typed = view.typed ?? {
    issuer: tenant.issuer,
    clientId: tenant.clientId,
    groups: tenant.requestGroups,
  };
  const groupsBox = wantsGroups(tenant)
    ? `<label class="check"><input type="checkbox" name="groups" value="on"${typed.groups ? ' checked' : ''}> My Okta app sends a groups claim (step 5)</label>`
    : '';
  const connected = isTenantConnected(tenant)
    ? `<p class="muted"><small>Saved: issuer <code>${h(tenant.issuer)}</code>, client <code>${h(tenant.clientId)}</code>. The client secret is never shown; to change anything, the secret included, check and save again.</small></p>`
    : '';
  return `<section id="connect"><h2>2. Connect your Okta</h2>
${connected}<form method="post" action="/t/${h(tenant.tenantId)}/setup/check#connect">
<input type="hidden" name="csrf" value="${h(view.csrf)}">
<label for="issuer">Issuer</label>
<input id="issuer" name="issuer" type="url" required autocomplete="off" spellcheck="false" placeholder="https://your-org.okta.com/oauth2/default" value="${h(typed.issuer)}">
<p class="muted"><small>Your org (<code>https://your-org.okta.com</code>) or a custom authorization server (<code>…/oauth2/default</code>): Security → API → Authorization Servers shows its Issuer URI.</small></p>
<label for="client_id">Client ID</label>
<input id="client_id" name="client_id" type="text" required autocomplete="off" spellcheck="false" value="${h(typed.clientId)}">
<label for="client_secret">Client secret</label>
<input id="client_secret" name="client_secret" type="password" required autocomplete="off" value="">
<p class="muted"><small>From the app’s General tab → Client Credentials. It goes to the secret store and is never shown again.</small></p>
${groupsBox}
<button type="submit">Check and save</button>
</form>
${view.checks ? checkResults(view.checks) : ''}</section>`;
}

function checkResults(checks: NonNullable<SetupPageView['checks']>): string {
  const items = checks.results
    .map(
      (result) => `<li class="${result.ok ? 'ok' : 'bad'}" data-check="${h(result.check)}">${h(result.message)}</li>`,
    )
    .join('\n');
  const outcome = checks.saved
    ? `<p class="saved" data-testid="saved">${h(SETUP_CHECK_WORDS.saved)}</p>`
    : `<div class="admin" data-testid="not-saved"><p>${h(SETUP_CHECK_WORDS.not_saved)}</p></div>`;
  return `<ul class="results" data-testid="checks">${items}</ul>${outcome}`;
}

function testSection(view: SetupPageView): string {
  const connected = isTenantConnected(view.tenant);
  const form = `<form method="post" action="/t/${h(view.tenant.tenantId)}/setup/test" target="_blank">
<input type="hidden" name="csrf" value="${h(view.csrf)}">
<button type="submit"${connected ? '' : ' disabled'}>Test sign-in (opens a new tab)</button>
</form>`;
  return `<section id="test-result"><h2>3. Test a sign-in</h2>
<p>Sign in with your Okta in a new tab, as your users will. The service verifies the sign-in as it would any other, then shows here what it received. Nobody is signed in to the app and no account is created.</p>
${connected ? '' : '<p class="muted"><small>Connect your Okta first (step 2).</small></p>'}${form}
${view.test ? testResult(view.test, view.tenant) : ''}</section>`;
}

function testResult(test: SetupTestResult, tenant: TenantConfig): string {
  const when = `<p class="muted"><small>Last test: ${h(formatTime(new Date(test.at)))}</small></p>`;
  if (test.outcome === 'failed' || !test.claims) {
    const described = test.error
      ? describeError(new ServiceError(test.error.code, { reason: test.error.reason, details: test.error.details }))
      : undefined;
    return `<div data-testid="test-result">${when}<ul class="results"><li class="bad">${h(described?.title ?? 'The test sign-in failed')}: ${h(described?.message ?? '')}</li></ul>${
      described?.adminHint ? `<div class="admin"><p>${h(described.adminHint)}</p></div>` : ''
    }</div>`;
  }
  const { claims } = test;
  const groups = claims.groups === undefined ? '(no groups claim)' : claims.groups.join(', ') || '(none)';
  const details = { allowedDomains: tenant.allowedEmailDomains.join(', ') };
  const warnings = test.warnings
    .map((code) => SETUP_WARNING_WORDS[code]?.(details))
    .filter((words): words is string => words !== undefined)
    .map((words) => `<li class="warn">${h(words)}</li>`)
    .join('\n');
  return `<div data-testid="test-result">${when}<ul class="results"><li class="ok">Signed in and verified: the ID token passed every check a real sign-in applies.</li></ul>
<dl>
<dt>sub</dt><dd><code>${h(claims.sub)}</code></dd>
<dt>email</dt><dd>${h(claims.email ?? '(none)')}</dd>
<dt>email_verified</dt><dd>${h(claims.emailVerified === undefined ? '(not sent)' : String(claims.emailVerified))}</dd>
<dt>groups</dt><dd data-testid="groups">${h(groups)}</dd>
</dl>
${warnings ? `<ul class="results" data-testid="warnings">${warnings}</ul>` : '<p>No warnings.</p>'}</div>`;
}

function activateSection(view: SetupPageView): string {
  const { tenant } = view;
  const connected = isTenantConnected(tenant);
  const tested = view.test?.outcome === 'signed_in';
  const note = !connected
    ? '<p class="muted"><small>Connect your Okta first (step 2).</small></p>'
    : tested
      ? ''
      : '<p class="muted"><small>We recommend a successful test sign-in first.</small></p>';
  return `<section id="activate"><h2>4. Activate</h2>
<p>${
    isTenantActive(tenant)
      ? 'Sign-in is already live. Finishing ends this link.'
      : 'Makes the app’s tile work for everyone assigned in Okta. The first person to sign in becomes the organization’s owner.'
  } This link stops working afterwards.</p>
${note}<form method="post" action="/t/${h(tenant.tenantId)}/setup/activate">
<input type="hidden" name="csrf" value="${h(view.csrf)}">
<button type="submit"${connected ? '' : ' disabled'}>${isTenantActive(tenant) ? 'Finish' : 'Activate'}</button>
</form></section>`;
}

export function renderActivatedPage(tenant: TenantConfig): string {
  return renderPage(
    'Sign-in is live',
    `<h1 class="ok">Sign-in is live</h1>
<p>People assigned to the app in your Okta can now open it from their Okta dashboard. The first person to sign in becomes the organization’s owner.</p>
<p>This setup link no longer works. If something must change later, ask your contact at the service for a new link.</p>
<p class="muted"><small>Organization <code>${h(tenant.tenantId)}</code></small></p>`,
  );
}

function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
