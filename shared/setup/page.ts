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
import { tenantCallbackUrl, tenantLoginUrl } from '../tenant-urls.ts';
import { isTenantActive, isTenantConnected, mapsRolesFromTokenGroups, type TenantConfig } from '../tenants.ts';
import type { SetupAction, SetupStep, SetupValue } from './extensions.ts';
import { newSetupFormNonce, SETUP_FORM_NONCE_FIELD, type SetupFormUse, setupActionForm } from './form-nonce.ts';
import { formatSetupTime as formatTime, type SetupTestResult } from './link.ts';
import { currentTestWarnings } from './test-sign-in.ts';

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
  /** A form sent again (its nonce was used): when it first ran; the page offers a fresh form. */
  readonly repeated?: SetupFormUse;
}

const h = escapeHtml;

/**
 * Whether the admin chooses if sign-ins ask for groups (the connect form's
 * box): only when the tenant's roles do not come from the groups claim, as
 * then every sign-in asks for them anyway (`requestsGroupsScope`).
 */
export function offersGroupsChoice(tenant: TenantConfig): boolean {
  return !mapsRolesFromTokenGroups(tenant);
}

/**
 * The hidden fields of an action form: the synchronizer token, and a fresh
 * one-time nonce so that sending this form again never runs its action twice.
 */
function formFields(view: SetupPageView): string {
  return `<input type="hidden" name="csrf" value="${h(view.csrf)}">
<input type="hidden" name="${SETUP_FORM_NONCE_FIELD}" value="${newSetupFormNonce()}">`;
}

/** When a form sent again first ran, and whether its action finished then. */
function firstRun(use: SetupFormUse): string {
  const at = `at ${formatTime(new Date(use.usedAt))}`;
  return use.finishedAt ? at : `${at}, and did not finish`;
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
  const extra = view.extraSteps.map((step) => extraStep(view, step)).join('\n');
  return `<section id="okta-app"><h2>1. Create the app integration in Okta</h2>
<p>In your Okta Admin Console:</p>
<ol class="steps">
<li><strong>Applications → Applications → Create App Integration</strong>: sign-in method <em>OIDC - OpenID Connect</em>, application type <em>Web Application</em>.</li>
<li><strong>Grant type</strong>: <em>Authorization Code</em> (nothing else is needed).</li>
<li>${copy('Sign-in redirect URI', tenantCallbackUrl(view.origin, view.tenant.tenantId))}</li>
<li><strong>Login initiated by</strong>: <em>Either Okta or App</em>; <strong>Application visibility</strong>: <em>Display application icon to users</em>; <strong>Login flow</strong>: <em>Redirect to app to initiate login (OIDC Compliant)</em>.<br>${copy('Initiate login URI', tenantLoginUrl(view.origin, view.tenant.tenantId))}</li>
${groupsStep(view.tenant)}
<li><strong>Assignments</strong>: assign the people or groups who may use the app; others are told to ask you.</li>
${extra}
</ol></section>`;
}

/**
 * Where the groups claim is configured, which depends on the authorization
 * server the issuer names (Okta's "Customize tokens with a groups claim"):
 * the org server sends the app's Groups claim filter when the sign-in asks
 * for the `groups` scope; a custom server ignores the app's filter and needs
 * its own claim, and refuses a sign-in asking for a scope it does not have.
 */
function groupsStep(tenant: TenantConfig): string {
  const why = mapsRolesFromTokenGroups(tenant)
    ? '<strong>This organization maps Okta groups to app roles</strong>, so every sign-in asks Okta for the scope <code>groups</code> and the ID token needs a groups claim.'
    : 'Optional: only if the service should receive people’s Okta groups (this organization maps none to app roles); then tick “Ask Okta for groups” in step 2.';
  return `<li><strong>Groups claim</strong>. ${why} Where it goes depends on your issuer (the check in step 2 says which you have):
<ul>
<li><em>Org authorization server</em> (issuer <code>https://&lt;org&gt;.okta.com</code>): the app’s <em>Sign On</em> tab → <em>OpenID Connect ID Token</em> → Edit → <em>Groups claim type</em> <em>Filter</em>, <em>Groups claim filter</em> <code>groups</code> <em>Matches regex</em> <code>.*</code>. Okta adds it to the ID token when the sign-in asks for the scope <code>groups</code>.</li>
<li><em>Custom authorization server</em> (issuer <code>https://&lt;org&gt;.okta.com/oauth2/default</code>, or another <code>/oauth2/…</code>): the app’s Groups claim filter does not apply. In <em>Security → API → Authorization Servers</em> → the server: on <em>Scopes</em>, add a scope <code>groups</code> (without it Okta refuses the sign-in with <code>invalid_scope</code>); on <em>Claims</em>, add a claim <code>groups</code>: <em>Include in token type</em> <em>ID Token</em>, <em>Always</em>; <em>Value type</em> <em>Groups</em>; <em>Filter</em> <em>Matches regex</em> <code>.*</code>; <em>Include in</em> <em>Any scope</em>.</li>
</ul>
Okta refuses a sign-in with more than 100 groups: narrow the filter if people have more.</li>`;
}

/** A step another feature contributes: its words, values to copy, and its action's button or one-time result. */
function extraStep(view: SetupPageView, step: SetupStep): string {
  const values = (step.values ?? []).map((value) => `<br>${copy(value.label, value.value)}`).join('');
  return `<li><strong>${h(step.title)}</strong>: ${h(step.text)}${values}${step.action ? actionHtml(view, step.action) : ''}</li>`;
}

/**
 * A step's action: its button; the values it just produced, shown this once;
 * or, for its form sent again, when it ran and a confirmation form (a fresh
 * nonce and `confirm=again`) to run it once more on purpose.
 */
function actionHtml(view: SetupPageView, action: SetupAction): string {
  if (view.revealed?.actionId === action.id) {
    return `<div class="saved" data-testid="revealed-${h(action.id)}"><p>Shown this once: copy it into Okta now. Doing it again replaces it.</p>${view.revealed.values
      .map((value) => copy(value.label, value.value))
      .join('<br>')}</div>`;
  }
  const form = (label: string, confirm: boolean) =>
    `<form method="post" action="/t/${h(view.tenant.tenantId)}/setup/${h(setupActionForm(action.id))}#okta-app">
${formFields(view)}${confirm ? '<input type="hidden" name="confirm" value="again">' : ''}<button type="submit">${h(label)}</button></form>`;
  const repeated = view.repeated?.form === setupActionForm(action.id) ? view.repeated : undefined;
  if (!repeated) return form(action.label, false);
  const said = repeated.finishedAt
    ? `${action.doneWords} ${firstRun(repeated)} with this form. Sending the form again (a reload does) did not do it again. ${action.againWords}`
    : `This form was sent ${firstRun(repeated)}: it may have done nothing. Sending it again (a reload does) did not run it again.`;
  return `<div class="admin" data-testid="repeated-${h(action.id)}"><p>${h(said)}</p>${form(
    repeated.finishedAt ? action.againLabel : action.label,
    true,
  )}</div>`;
}

function connectSection(view: SetupPageView): string {
  const { tenant } = view;
  const typed = view.typed ?? {
    issuer: tenant.issuer,
    clientId: tenant.clientId,
    groups: tenant.requestGroups,
  };
  const groupsBox = offersGroupsChoice(tenant)
    ? `<label class="check"><input type="checkbox" name="groups" value="on"${typed.groups ? ' checked' : ''}> Ask Okta for groups (scope <code>groups</code>): my Okta app has a groups claim (step 5)</label>`
    : '<p class="muted"><small>This organization maps Okta groups to app roles: every sign-in asks Okta for the scope <code>groups</code> (step 5).</small></p>';
  const saved = isTenantConnected(tenant) ? 'What is saved is shown above.' : 'Nothing is saved yet.';
  const repeated =
    view.repeated?.form === 'check'
      ? `<div class="admin" data-testid="repeated-check"><p>${h(
          `Check and save already ran with this form ${firstRun(view.repeated)}. Sending the form again (a reload does) did not run it again. ${saved} To check again, paste the client secret and press Check and save.`,
        )}</p></div>`
      : '';
  const connected = isTenantConnected(tenant)
    ? `<p class="muted"><small>Saved: issuer <code>${h(tenant.issuer)}</code>, client <code>${h(tenant.clientId)}</code>. The client secret is never shown; to change anything, the secret included, check and save again.</small></p>`
    : '';
  return `<section id="connect"><h2>2. Connect your Okta</h2>
${connected}${repeated}<form method="post" action="/t/${h(tenant.tenantId)}/setup/check#connect">
${formFields(view)}
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
  // No nonce: a test changes nothing, and this tab's button must work again after a test in the new tab.
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
  const groups = claims.groups?.join(', ') || (claims.groups ? '(none)' : noGroupsClaim(test, tenant));
  const details = { allowedDomains: tenant.allowedEmailDomains.join(', ') };
  // The groups warning follows the tenant's role maps as they are now, not as they were at the test.
  const warnings = currentTestWarnings(tenant, test)
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

/** Why a test received no groups claim: Okta sent none, or the test did not ask for the scope. */
function noGroupsClaim(test: SetupTestResult, tenant: TenantConfig): string {
  if (test.groupsRequested !== false) return '(no groups claim)';
  return mapsRolesFromTokenGroups(tenant)
    ? '(not asked for: roles were not mapped from groups when this test ran)'
    : '(not asked for: this organization maps no groups to roles; “Ask Okta for groups” in step 2 asks for them)';
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
${note}${
  view.repeated?.form === 'activate'
    ? `<div class="admin" data-testid="repeated-activate"><p>${h(`This form was already sent ${firstRun(view.repeated)}; sending it again (a reload does) did not run it again.`)}</p></div>`
    : ''
}<form method="post" action="/t/${h(tenant.tenantId)}/setup/activate">
${formFields(view)}
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
