/**
 * What every error looks like over HTTP, in one place: status, page title,
 * the sentence the person in the browser reads, the hint for the tenant's
 * Okta admin, whether "start again" is offered, and the OAuth-style error code
 * for machine callers (Universal Logout). Keyed by error code, with finer
 * words for some reasons. A reason is looked up exactly, then by its family
 * (`discovery_http_404` → `discovery_http` → `discovery`).
 */
import type { ErrorCode, ErrorDetails, ServiceError } from '../errors.ts';

type Words = string | ((details: ErrorDetails) => string);

interface CodeEntry {
  readonly status: number;
  readonly title: string;
  readonly message: Words;
  readonly adminHint?: Words;
  readonly restartable?: boolean;
  /** RFC 7644 §3.12 `scimType`, for errors of the SCIM endpoint. */
  readonly scimType?: string;
  /** The `error` of an OAuth-style JSON answer. @default by status (`oauthErrorFor`) */
  readonly oauthError?: string;
}

type ReasonEntry = Partial<Pick<CodeEntry, 'message' | 'adminHint' | 'restartable' | 'scimType'>>;

export interface DescribedError {
  readonly status: number;
  readonly title: string;
  readonly message: string;
  readonly adminHint: string | undefined;
  readonly restartable: boolean;
  readonly scimType: string | undefined;
  /** e.g. `invalid_token`: RFC 6749 / 6750 style, for programs that answer by code. */
  readonly oauthError: string;
}

const SCIM_TOKEN_HINT =
  'In Okta: the app → Provisioning → Integration → Authentication Mode "HTTP Header", Authorization: the token `npm run -s tenant -- scim-token <tenant>` printed. A new token replaces the old one at once.';

const OKTA_ISSUERS = 'Okta issuers look like https://<org>.okta.com or https://<org>.okta.com/oauth2/default';
const tenantName = (d: ErrorDetails) => (d.tenantId ? ` "${d.tenantId}"` : '');

const CODES: Record<ErrorCode, CodeEntry> = {
  TENANT_NOT_FOUND: {
    status: 404,
    title: 'Unknown organization',
    message: 'This sign-in link is for an organization we do not know.',
    adminHint:
      'Check the Initiate login URI in the Okta app: it must be https://<service>/t/<tenant>/login with the tenant id registered with the service.',
  },
  ISSUER_MISMATCH: {
    status: 400,
    title: 'Sign-in came from an unexpected Okta',
    message: 'This sign-in came from an Okta organization that is not set up here.',
    adminHint: (d) =>
      `The Okta tile sent an issuer that does not belong to tenant${tenantName(d)}. Check the tenant's --issuer (and --org-url) against the Okta org.`,
  },
  INVALID_REQUEST: { status: 400, title: 'Bad sign-in request', message: 'This request could not be understood.' },
  BODY_TOO_LARGE: { status: 413, title: 'Request too large', message: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'Unsupported request format',
    message: 'Send the form as application/x-www-form-urlencoded.',
  },
  ROUTE_NOT_FOUND: { status: 404, title: 'Page not found', message: 'There is nothing at this address.' },
  STATE_MISSING: {
    status: 400,
    title: 'Sign-in expired',
    message: 'This sign-in link is incomplete or has expired.',
    restartable: true,
  },
  STATE_INVALID: {
    status: 400,
    title: 'Sign-in could not be verified',
    message: 'This sign-in could not be verified.',
    adminHint:
      'The answer from Okta did not belong to a sign-in started in this browser: usually an old tab, a bookmarked callback address, or cookies blocked for this site. If it happens to everyone, check that the Okta app’s sign-in redirect URI is this service’s /t/<tenant>/callback and its initiate login URI /t/<tenant>/login.',
    restartable: true,
  },
  STATE_EXPIRED: {
    status: 400,
    title: 'Sign-in expired',
    message: 'This sign-in took too long and has expired. Start again: it only takes a moment.',
    restartable: true,
  },
  STATE_REPLAYED: {
    status: 400,
    title: 'Sign-in link already used',
    message:
      'This sign-in link has already been used (for example by going back after signing in). Start again to sign in once more.',
    restartable: true,
  },
  USER_NOT_ASSIGNED: {
    status: 403,
    title: 'You are not assigned to this app',
    message: 'Okta did not allow you to sign in to this app.',
    adminHint: (d) =>
      `Okta answered access_denied. Check that the user is assigned to the app for tenant${tenantName(d)} and that sign-on policies allow them.`,
    restartable: true,
  },
  IDP_ERROR: {
    status: 400,
    title: 'Okta refused the sign-in',
    message: 'Okta could not complete the sign-in.',
    adminHint: (d) =>
      `Okta answered "${d.oauthError ?? 'unknown_error'}". Check the app's grant types (Authorization Code), sign-in redirect URI and assigned scopes.`,
    restartable: true,
  },
  TOKEN_ENDPOINT_FAILED: {
    status: 502,
    title: 'Could not complete sign-in with Okta',
    message: 'Okta did not complete the sign-in.',
    adminHint: (d) =>
      `Okta's token endpoint answered HTTP ${d.status ?? '5xx'}. Check Okta's status page; logins resume when it recovers.`,
    restartable: true,
  },
  AUTHORIZATION_CODE_REJECTED: {
    status: 400,
    title: 'Sign-in expired',
    message: 'Okta did not accept this sign-in: it has expired or was already used. Start again to get a fresh one.',
    restartable: true,
  },
  CLIENT_AUTH_FAILED: {
    status: 502,
    title: 'This app’s sign-in is misconfigured',
    message: 'This organization’s sign-in is not set up correctly.',
    adminHint:
      'Okta rejected the app’s client credentials: the client secret is wrong or was rotated in Okta, or the client id or token endpoint auth method does not match the Okta app. Set the current secret with `tenant put <tenant> --client-secret-stdin`.',
  },
  TOKEN_REQUEST_REJECTED: {
    status: 502,
    title: 'Okta refused the sign-in',
    message: 'Okta did not complete the sign-in.',
    adminHint: (d) =>
      `Okta's token endpoint answered HTTP ${d.status ?? '4xx'}${d.oauthError ? ` (${d.oauthError})` : ''}. Check the app's grant types (Authorization Code) and sign-in redirect URI in Okta.`,
    restartable: true,
  },
  DISCOVERY_FAILED: {
    status: 502,
    title: 'Could not reach your Okta',
    message: 'The service could not reach your organization’s Okta.',
    adminHint: (d) =>
      `Check that ${d.url ?? 'the issuer'} answers with the OpenID configuration and that the tenant's issuer is right.`,
    restartable: true,
  },
  JWKS_FAILED: {
    status: 502,
    title: 'Could not fetch Okta signing keys',
    message: 'The service could not fetch your Okta’s signing keys.',
    adminHint: 'Check that the jwks_uri in the issuer’s discovery document is reachable.',
    restartable: true,
  },
  ID_TOKEN_INVALID: {
    status: 401,
    title: 'Sign-in could not be verified',
    message: 'The sign-in response from Okta could not be verified.',
    adminHint: 'If this keeps happening, check the tenant’s issuer and client id against the Okta app.',
    restartable: true,
  },
  USER_DISABLED: {
    status: 403,
    title: 'Your account is disabled',
    message: 'Your account has been disabled for this app.',
    adminHint: 'An administrator disabled this user. Re-enable the user with the tenant CLI if that was a mistake.',
  },
  SCIM_UNAUTHORIZED: {
    status: 401,
    title: 'SCIM authentication failed',
    message: 'The SCIM bearer token is missing or is not valid for this tenant.',
    adminHint: SCIM_TOKEN_HINT,
  },
  SCIM_INVALID: {
    status: 400,
    title: 'Invalid SCIM request',
    message: 'The request does not follow the SCIM 2.0 schema this service supports.',
    scimType: 'invalidSyntax',
  },
  SCIM_NOT_FOUND: { status: 404, title: 'Not found', message: 'There is no such SCIM resource in this tenant.' },
  SCIM_CONFLICT: {
    status: 409,
    title: 'Already exists',
    message: 'A resource with this value already exists in this tenant.',
    scimType: 'uniqueness',
  },
  SCIM_METHOD_NOT_ALLOWED: {
    status: 405,
    title: 'Method not allowed',
    message: 'This SCIM endpoint does not support this method.',
  },
  EMAIL_DOMAIN_NOT_ALLOWED: {
    status: 403,
    title: 'Your email address is not allowed here',
    message: (d) => `This organization only allows sign-in with email addresses at ${d.allowedDomains}.`,
    adminHint: (d) =>
      `Tenant${tenantName(d)} allows these email domains: ${d.allowedDomains}. Change the user's email in Okta or the tenant's --allowed-email-domain list.`,
  },
  EMAIL_NOT_VERIFIED: {
    status: 403,
    title: 'Your email address is not verified',
    message: 'Your email address has not been verified in Okta.',
    adminHint:
      'The ID token does not say email_verified: true. Verify the user’s email in Okta, or turn off --require-email-verified for the tenant.',
  },
  NOT_AUTHENTICATED: {
    status: 401,
    title: 'Not signed in',
    message: 'You are not signed in. Sign in from your Okta dashboard, or start here.',
    restartable: true,
  },
  CROSS_SITE_REQUEST: { status: 403, title: 'Request refused', message: 'Sign-out must be requested from this site.' },
  SETUP_LINK_INVALID: {
    status: 403,
    title: 'This setup link does not work',
    message:
      'This setup link is not valid: it may have been replaced by a newer one or revoked, or setup was finished with it. Ask your contact at the service for a new link.',
  },
  SETUP_NOT_FINISHED: {
    status: 403,
    title: 'Setup not finished',
    message: 'Sign-in to this app is still being set up for your organization. Please try again later.',
    adminHint: (d) =>
      `Tenant${tenantName(d)} is not live yet: finish the steps on its setup link and press Activate, or ask the service's platform team for a new link (tenant invite).`,
  },
  SETUP_RATE_LIMITED: {
    status: 429,
    title: 'Too many attempts',
    message: (d) =>
      `This setup link has made too many checks and test sign-ins in a short time. Wait ${d.retryMinutes ?? 'a few'} minutes, then try again.`,
  },
  // Universal Logout (Okta's Global Token Revocation calls): a program reads these, as error_description.
  REVOCATION_REQUEST_INVALID: {
    status: 400,
    title: 'Bad revocation request',
    message: 'The revocation request could not be understood.',
    oauthError: 'invalid_request',
  },
  REVOCATION_TOKEN_INVALID: {
    status: 401,
    title: 'Revocation request not authenticated',
    message: 'The bearer token could not be verified.',
    oauthError: 'invalid_token',
  },
  REVOCATION_NOT_PERMITTED: {
    status: 403,
    title: 'Revocation request refused',
    message: 'This token does not allow revoking sessions here.',
    oauthError: 'access_denied',
  },
  SUBJECT_NOT_FOUND: {
    status: 404,
    title: 'Unknown user',
    // Said of this tenant only: whether another tenant knows the subject is never told.
    message: 'No user of this organization matches the subject.',
    oauthError: 'not_found',
  },
  SUBJECT_FORMAT_UNSUPPORTED: {
    status: 422,
    title: 'Unsupported subject format',
    message: 'The subject format is not supported: send "iss_sub" or "email".',
    oauthError: 'unsupported_subject_format',
  },
  UNIVERSAL_LOGOUT_OFF: {
    status: 404,
    title: 'Universal Logout is off',
    message: 'Universal Logout is turned off for this organization.',
    adminHint: (d) => `Turn it on with: npm run -s tenant -- put ${d.tenantId ?? '<tenant>'} --universal-logout`,
    oauthError: 'not_found',
  },
  STORE_UNAVAILABLE: {
    status: 503,
    title: 'Service temporarily unavailable',
    message: 'The service cannot reach its database right now. Please try again in a minute.',
    restartable: true,
  },
  CONFIGURATION_ERROR: { status: 500, title: 'Service misconfigured', message: 'The service is misconfigured.' },
  INTERNAL: {
    status: 500,
    title: 'Something went wrong',
    message: 'An unexpected error stopped the sign-in. Please try again.',
    restartable: true,
  },
};

const REASONS: Record<string, ReasonEntry> = {
  // Requests
  duplicate_parameter: { message: (d) => `The parameter "${d.parameter}" was sent more than once.` },
  parameter_too_long: { message: (d) => `The parameter "${d.parameter}" is too long.` },
  invalid_utf8: { message: 'The request body is not valid UTF-8.' },
  callback_post_without_id_token: {
    message: 'This address expects a sign-in response from Okta.',
    adminHint:
      'The Okta app should redirect back with GET (response_mode=query). Check the app’s sign-in redirect URI.',
    restartable: true,
  },
  code_missing: { message: 'The sign-in response from Okta has no authorization code.', restartable: true },
  // State
  state_cookie_missing: {
    message:
      'This sign-in was started in another browser, or it waited so long that this browser forgot it. Start again from here.',
  },
  state_tenant_mismatch: { message: 'This sign-in was started for another organization.' },
  state_tenant_generation_mismatch: { message: 'This sign-in was started for an organization that has since changed.' },
  callback_issuer_mismatch: {
    message: 'The sign-in response came from an unexpected Okta.',
    adminHint: '',
    restartable: true,
  },
  // Okta's answers at the callback
  user_not_assigned: {
    message:
      'Your Okta account is not assigned to this app. Ask your Okta administrator to give you access, then open the app again from your Okta dashboard.',
    adminHint: (d) =>
      `Assign the user (or one of their groups) to the app in Okta: Applications → the app for tenant${tenantName(d)} → Assignments.`,
    restartable: false,
  },
  token_endpoint_timeout: {
    adminHint: (d) =>
      `Okta's token endpoint did not answer within ${d.timeoutSeconds} s. Check Okta's status and the network path from the service to Okta.`,
  },
  token_endpoint_unreachable: {
    adminHint:
      "Okta's token endpoint could not be reached. Check the issuer URL and the network path from the service to Okta.",
  },
  token_endpoint_oversized: { adminHint: 'The token endpoint answered with an unexpectedly large body.' },
  token_endpoint_no_id_token: {
    adminHint:
      'The token response has no ID token: make sure the app is an OIDC app and the `openid` scope is granted.',
  },
  // Discovery (the details carry the words of `describeFetchFailure` or the document check)
  discovery: {
    adminHint: (d) => d.problem ?? `Check that ${d.url ?? 'the issuer'} answers with the OpenID configuration.`,
  },
  discovery_http: {
    adminHint: (d) => `${d.url} answered HTTP ${d.status}: the issuer URL is probably wrong (${OKTA_ISSUERS}).`,
  },
  discovery_not_json: {
    adminHint: (d) =>
      `${d.url} did not answer with a JSON object: check that the issuer URL is an Okta authorization server.`,
  },
  discovery_issuer_mismatch: {
    message: 'Your Okta’s configuration does not match this organization.',
    adminHint: (d) =>
      `The discovery document names the issuer "${d.documentIssuer}" but the tenant is configured with "${d.issuer}". Configure the exact issuer (no trailing slash differences).`,
  },
  discovery_missing: {
    message: 'Your Okta’s configuration document is incomplete.',
    adminHint: (d) =>
      `The discovery document has no "${d.endpoint}". Check that the issuer URL is an Okta authorization server.`,
  },
  discovery_insecure: {
    message: 'Your Okta’s configuration document is not usable.',
    adminHint: (d) => `The discovery document's "${d.endpoint}" is not an https URL on a public host.`,
  },
  // The setup link
  setup_link_expired: {
    message: (d) =>
      `This setup link expired${d.expiredAt ? ` on ${d.expiredAt}` : ''}: it no longer works. Ask your contact at the service for a new one.`,
  },
  setup_link_finished: {
    message: (d) =>
      `This setup link was already used to activate sign-in for this organization${d.activatedAt ? ` on ${d.activatedAt}` : ''}: sign-in is live and the link no longer works. If something must change, ask your contact at the service for a new link.`,
  },
  setup_cookie_missing: {
    message:
      'This browser holds no visit of this setup link: it was not opened in this browser, or the visit ended (a visit lasts 8 hours). Open the link you were sent again (the whole address, with its token): the page then says whether it still works, has expired or was already used.',
  },
  cross_site_setup: { message: 'Setup forms must be sent from the setup page itself.' },
  setup_form_expired: {
    message:
      'This form is out of date (it belongs to another visit of the setup link). Reload the setup page and try again.',
  },
  setup_not_connected: {
    message: 'Connect your Okta first: save the issuer, client id and client secret on the setup page.',
  },
  // Tenant and configuration
  tenant_deleted_during_login: { message: 'This organization was removed while you were signing in.' },
  client_secret_missing: {
    message: 'This organization’s sign-in is not fully set up.',
    adminHint: (d) =>
      `Tenant${tenantName(d)} has no client secret. Set it with: npm run -s tenant -- put ${d.tenantId ?? '<tenant>'} --client-secret-stdin`,
  },
  no_public_url: {
    message: 'The service does not know its own address.',
    adminHint: 'Set PUBLIC_URL for the deployment.',
  },
  no_app_audience: {
    message: 'The service cannot issue session tokens yet.',
    adminHint: 'Set APP_URL (CDK appUrl) or APP_AUDIENCE: the session tokens’ audience.',
  },
  no_signing_key: {
    message: 'The service cannot issue session tokens right now. Please try again later.',
    adminHint:
      'No signing key signs now: a new key waits out its publication delay after an emergency removal (npm run -s tenant -- signing-keys list).',
  },
  state_key_too_short: { adminHint: (d) => `The login-state key must be at least ${d.minimum} characters.` },
  state_key_unavailable: { message: 'The service cannot read its keys right now. Please try again.' },
  provisioning_contention: { message: 'The sign-in could not be recorded. Please try again.' },
  // Okta deactivated the user (SCIM `active: false`)
  user_deactivated: {
    message:
      'Your account for this app has been deactivated by your organization. If you still need access, ask your Okta administrator.',
    adminHint:
      'Okta deactivated this user through SCIM provisioning (unassigned from the app, or deactivated in Okta). Assign the user to the app again in Okta to reactivate them.',
  },
  // Okta deleted the user (SCIM DELETE)
  user_deleted: {
    message:
      'Your account for this app was removed by your organization. If you still need access, ask your Okta administrator.',
    adminHint:
      'Okta deleted this user through SCIM provisioning. Assign the user to the app again in Okta: provisioning creates them again, and they can then sign in.',
  },
  // SCIM requests
  scim_filter: {
    message: (d) =>
      `The filter is not supported: use ${d.supported ?? 'attribute eq "value"'} (one comparison with eq).`,
    scimType: 'invalidFilter',
  },
  scim_json: { message: 'The request body is not valid JSON.' },
  scim_body_too_large: { message: (d) => `The request body is larger than ${d.limit} bytes.` },
  scim_media_type: { message: 'Send the request body as application/scim+json or application/json.' },
  scim_schema: { message: (d) => `The request must name the schema ${d.schema}.` },
  scim_unknown_attribute: {
    message: (d) => `The attribute "${d.attribute}" is not part of the ${d.resource} schema this service supports.`,
  },
  scim_value: {
    message: (d) => `The value of "${d.attribute}" is missing or not valid.`,
    scimType: 'invalidValue',
  },
  scim_paging: {
    message: 'startIndex and count must be integers.',
    scimType: 'invalidValue',
  },
  scim_patch: { message: 'The PATCH request is not a valid SCIM PatchOp.' },
  scim_patch_path: { message: 'A PATCH operation names a path this resource does not have.', scimType: 'invalidPath' },
  scim_patch_target: { message: 'A PATCH operation matched nothing to change.', scimType: 'noTarget' },
  scim_mutability: {
    message: (d) => `The attribute "${d.attribute}" cannot be changed.`,
    scimType: 'mutability',
  },
  scim_too_many_members: {
    message: (d) => `A group may have at most ${d.limit} members.`,
    scimType: 'invalidValue',
  },
  // RFC 7644 §3.12 tooMany: the answer would be larger than one response carries; never a shortened list.
  scim_members_over_list_limit: {
    message: (d) =>
      `These groups have more than ${d.limit} members in all, more than one list response carries. Read each group's members with GET /Groups/{id}, or list fewer groups per page with a smaller count.`,
    scimType: 'tooMany',
  },
  scim_members_over_group_limit: {
    message: (d) =>
      `This group has more than ${d.limit} members, more than this service reads or returns at once. Read the group without them with excludedAttributes=members.`,
    scimType: 'tooMany',
  },
  scim_user_name_taken: { message: 'A user with this userName already exists in this tenant.' },
  scim_external_id_taken: { message: 'A user with this externalId already exists in this tenant.' },
  scim_group_name_taken: { message: 'A group with this displayName already exists in this tenant.' },
  scim_member_unknown: {
    message: (d) => `The member "${d.member}" is not a user of this tenant.`,
    scimType: 'invalidValue',
  },
  scim_contention: { message: 'The resource changed at the same moment elsewhere. Please retry.' },
  // Universal Logout: who is calling (the bearer token)
  universal_logout_unknown_tenant: { message: 'There is no Universal Logout endpoint at this address.' },
  revocation_token_missing: {
    message: 'This endpoint needs an Authorization: Bearer header with a JWT from the organization’s Okta.',
  },
  revocation_token_malformed: { message: 'The bearer token is not a well-formed signed JWT.' },
  revocation_token_algorithm: { message: 'The bearer token is not signed with RS256.' },
  revocation_token_signature: {
    message: 'The bearer token’s signature does not verify with the keys of the organization’s Okta.',
  },
  revocation_token_unknown_key: {
    message: 'The bearer token is signed with a key the organization’s Okta does not publish.',
  },
  revocation_token_type: { message: 'The bearer token is not of type global-token-revocation+jwt.' },
  revocation_token_issuer: { message: 'The bearer token was not issued by the organization’s Okta.' },
  revocation_token_expired: { message: 'The bearer token has expired.' },
  revocation_token_not_yet_valid: { message: 'The bearer token is not valid yet.' },
  revocation_token_lifetime: { message: (d) => `The bearer token is valid for longer than ${d.maxMinutes} minutes.` },
  revocation_token_missing_claim: { message: 'The bearer token lacks iss, sub, aud, exp, iat or jti.' },
  revocation_token_replayed: { message: 'This bearer token was used before; each token works once.' },
  revocation_other_client: { message: 'This token was issued for another app of the organization’s Okta.' },
  revocation_other_endpoint: {
    message: (d) => `This token was issued for another endpoint. This endpoint is ${d.endpoint}.`,
  },
  // Universal Logout: what it asks for (the body)
  revocation_body_too_large: { message: (d) => `The request body is larger than ${d.limit} bytes.` },
  revocation_body_not_json: { message: 'The request body is not a JSON object in UTF-8.' },
  revocation_subject_missing: { message: 'The request names no subject: send {"sub_id": {"format": …}}.' },
  revocation_subject_not_object: { message: 'The subject (sub_id, or subject) must be a JSON object.' },
  revocation_subject_ambiguous: { message: 'The request names its subject twice (sub_id and subject).' },
  revocation_subject_malformed: {
    message: (d) => `The subject's "${d.member}" must be a non-empty string of at most ${d.maxLength} characters.`,
  },
};

/** The OAuth-style code for a status when the code's entry names none. */
function oauthErrorFor(status: number): string {
  if (status === 503) return 'temporarily_unavailable';
  if (status >= 500) return 'server_error';
  if (status === 404) return 'not_found';
  return 'invalid_request';
}

/** The status and words for an error, from its code and (finer) its reason. */
export function describeError(error: ServiceError): DescribedError {
  const base = CODES[error.code];
  const refined = reasonEntry(error.reason);
  const words = (value: Words | undefined) => (typeof value === 'function' ? value(error.details) : value);
  const adminHint = words(refined?.adminHint ?? base.adminHint);
  return {
    status: base.status,
    title: base.title,
    message: words(refined?.message ?? base.message) ?? '',
    adminHint: adminHint || undefined,
    restartable: refined?.restartable ?? base.restartable ?? false,
    scimType: refined?.scimType ?? base.scimType,
    oauthError: base.oauthError ?? oauthErrorFor(base.status),
  };
}

function reasonEntry(reason: string): ReasonEntry | undefined {
  for (let key = reason; key; key = key.includes('_') ? key.slice(0, key.lastIndexOf('_')) : '') {
    const entry = REASONS[key];
    if (entry) return entry;
  }
  return undefined;
}

/**
 * Words of the setup page's live checks (`shared/setup/checks.ts`) and of its
 * test sign-in warnings, keyed by what happened; details are safe facts (the
 * issuer typed, an endpoint, a status), escaped when rendered.
 */
export const SETUP_CHECK_WORDS = {
  /** `problem`: the fixes for the rules it breaks, and only those (`issuerProblem`). */
  issuer_invalid: (d: ErrorDetails) => `"${d.issuer}" is not an issuer the service can use: ${d.problem}.`,
  client_id_invalid: 'The client id must be the app’s Client ID from its General tab (letters, digits, . _ -).',
  client_secret_missing: 'Paste the app’s client secret (General tab → Client Credentials).',
  authorization_server_org: (d: ErrorDetails) =>
    `${d.issuer} is your Okta org authorization server, and its endpoints are its own. For roles, its groups claim is the app’s: Sign On tab → OpenID Connect ID Token → Groups claim filter (name "groups", Matches regex .*); Okta sends it when the sign-in asks for the scope "groups", as the service does for roles.`,
  authorization_server_custom: (d: ErrorDetails) =>
    `${d.issuer} is the custom authorization server "${d.name}", and its endpoints are under it; the app’s own Groups claim filter does not apply to it. For roles, add to it, in Security → API → Authorization Servers → ${d.name}: on Scopes, a scope named "groups" (the service asks for it: without it Okta refuses the sign-in with invalid_scope); on Claims, a claim named "groups" (Include in token type ID Token, Always; Value type Groups; Filter Matches regex .*; Include in any scope). Make sure its access policies allow this app.`,
  authorization_server_other: (d: ErrorDetails) => `The endpoints of ${d.issuer} are under the issuer.`,
  authorization_server_mismatch: (d: ErrorDetails) =>
    `The discovery document sends ${d.endpoint} to ${d.url}, which is not under ${d.issuer}: that is another authorization server. Paste the issuer of the authorization server this app uses.`,
  client_accepted:
    'Okta accepted the client id and secret: a test request with a made-up authorization code was refused as invalid_grant, which Okta only answers to a client that authenticated.',
  client_rejected:
    'Okta rejected the client id or secret (invalid_client) without saying which. Copy both again from the app’s General tab → Client Credentials, and check that Client authentication is “Client secret” (sent as HTTP Basic).',
  client_id_unknown:
    'Okta does not know this client id (invalid_client): copy the Client ID again from the app’s General tab → Client Credentials, and check that the app is in the Okta org of the issuer.',
  client_secret_rejected:
    'Okta knows the client id but rejected the client secret (invalid_client): copy the app’s current secret again from its General tab → Client Credentials.',
  client_grant_not_allowed:
    'Okta knows the client, but the app may not use the Authorization Code grant (unauthorized_client): tick Authorization Code under General → Grant type.',
  client_check_failed: (d: ErrorDetails) =>
    `The token endpoint answered HTTP ${d.status ?? '?'}${d.oauthError ? ` (${d.oauthError})` : ''} to a test request, so the client credentials could not be confirmed. Check the app’s grant types and that it is a Web Application.`,
  client_check_unreachable: (d: ErrorDetails) =>
    `The token endpoint ${d.url} could not be reached in time, so the client credentials could not be checked. Try again in a minute.`,
  client_check_skipped: 'The client credentials are checked once the checks above pass.',
  saved:
    'Saved: the issuer and client id with the organization, the client secret in the secret store. The secret is never shown again: to change it, paste a new one.',
  not_saved:
    'Nothing was saved. Fix what is marked above and check again; paste the secret again each time (it is never shown back).',
} as const;

export const SETUP_WARNING_WORDS: Record<string, (d: ErrorDetails) => string> = {
  groups_claim_missing: () =>
    'The ID token has no groups claim, but this organization maps Okta groups to app roles: everyone would get only the default roles. Add the groups claim (see step 5 above), then test again.',
  groups_not_requested: () =>
    'This organization maps Okta groups to app roles now, but this test ran before that and did not ask Okta for groups: test again.',
  email_missing: () =>
    'The ID token has no email: the app cannot show who signed in by email. Make sure the app is granted the email scope.',
  email_domain_not_allowed: (d) =>
    `The email domain is outside the domains this organization allows (${d.allowedDomains}): this person would be refused. Sign in with an allowed address, or ask the platform team to change the list.`,
  email_not_verified: () =>
    'Okta does not say this email address is verified, and this organization requires verified addresses: this person would be refused.',
};
