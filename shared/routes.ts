/**
 * The public routes (README "Routes") and which Lambda function serves each.
 * The CDK HTTP API and the local server both read this table, so a route can
 * only exist in both or in neither.
 */
export type FunctionName =
  | 'login'
  | 'session'
  | 'setup'
  | 'universalLogout'
  | 'health'
  | 'whoami'
  | 'scim'
  | 'publicKeys'
  | 'sessionToken';

/** API Gateway's catch-all route key: requests no other route matches. */
export const DEFAULT_ROUTE_KEY = '$default';

export interface RouteDefinition {
  /** API Gateway v2 route key: `METHOD /path/{param}`. */
  readonly routeKey: string;
  readonly function: FunctionName;
  /** Protected by the session authorizer: the function gets the caller's tenant, user and roles. */
  readonly authorized?: boolean;
  /**
   * Its own stage throttling (requests per second, burst), below the API's:
   * routes a person or Okta uses a few times per second (the setup link's
   * pages, SCIM) get a budget that floods cannot turn into Okta or DynamoDB load.
   */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
}

/** The setup link's routes: one person at a time clicks through them. */
const SETUP_THROTTLE = { rateLimit: 5, burstLimit: 20 } as const;

export const ROUTES: readonly RouteDefinition[] = [
  { routeKey: 'GET /t/{tenant}/login', function: 'login' },
  { routeKey: 'POST /t/{tenant}/login', function: 'login' },
  { routeKey: 'GET /t/{tenant}/callback', function: 'login' },
  { routeKey: 'POST /t/{tenant}/callback', function: 'login' },
  // The setup link's pages (README "Self-serve setup"), for the tenant's Okta admin.
  { routeKey: 'GET /t/{tenant}/setup', function: 'setup', throttle: SETUP_THROTTLE },
  { routeKey: 'POST /t/{tenant}/setup/check', function: 'setup', throttle: SETUP_THROTTLE },
  { routeKey: 'POST /t/{tenant}/setup/test', function: 'setup', throttle: SETUP_THROTTLE },
  { routeKey: 'POST /t/{tenant}/setup/activate', function: 'setup', throttle: SETUP_THROTTLE },
  { routeKey: 'POST /t/{tenant}/setup/actions/{action}', function: 'setup', throttle: SETUP_THROTTLE },
  { routeKey: 'GET /me', function: 'session' },
  { routeKey: 'POST /logout', function: 'session' },
  // CORS preflights of the app's calls from its own origin (shared/session/app-cors.ts).
  { routeKey: 'OPTIONS /me', function: 'session' },
  { routeKey: 'OPTIONS /logout', function: 'session' },
  // The built-in page a login lands on when nothing else names one (README "Where users land").
  { routeKey: 'GET /signed-in', function: 'session' },
  // Okta Universal Logout; the path is `tenantPath(tenant, 'universalLogout')` (shared/tenant-urls.ts).
  { routeKey: 'POST /t/{tenant}/global-token-revocation', function: 'universalLogout' },
  { routeKey: 'GET /health', function: 'health' },
  // The public keys that sign session tokens, and the minimal discovery document JWT verifiers
  // (API Gateway's JWT authorizer) start from; served by a function that cannot read private keys.
  { routeKey: 'GET /.well-known/jwks.json', function: 'publicKeys' },
  { routeKey: 'GET /.well-known/openid-configuration', function: 'publicKeys' },
  // A short-lived signed token for the app on its own origin (README "Connect your app"), with CORS.
  { routeKey: 'GET /session/token', function: 'sessionToken' },
  { routeKey: 'OPTIONS /session/token', function: 'sessionToken' },
  // SCIM 2.0 for Okta provisioning: the bearer token is checked by the function on every path.
  // Okta sends a few requests per second at most (Group Push batches members), so a flood of
  // SCIM calls with wrong tokens cannot take the logins' share of the API.
  {
    routeKey: 'ANY /t/{tenant}/scim/v2/{proxy+}',
    function: 'scim',
    throttle: { rateLimit: 25, burstLimit: 50 },
  },
  // An example of the app's own API behind the session authorizer.
  { routeKey: 'GET /app/whoami', function: 'whoami', authorized: true },
  // Every other path and method: the same styled 404 page (JSON when asked) as any other error,
  // instead of API Gateway's bare {"message":"Not Found"}. The health function is the smallest.
  { routeKey: DEFAULT_ROUTE_KEY, function: 'health' },
];

/** Source file of each function, relative to the repository root. */
export const FUNCTION_ENTRIES: Record<FunctionName, string> = {
  login: 'functions/login.ts',
  session: 'functions/session.ts',
  setup: 'functions/setup.ts',
  universalLogout: 'functions/universal-logout.ts',
  health: 'functions/health.ts',
  whoami: 'functions/whoami.ts',
  scim: 'functions/scim.ts',
  publicKeys: 'functions/public-keys.ts',
  sessionToken: 'functions/session-token.ts',
};

/** The Lambda authorizer (HTTP API, simple responses) for `authorized` routes and the app's own. */
export const AUTHORIZER_ENTRY = 'functions/authorizer.ts';

/** The scheduled function that rotates the session-token signing keys (not a route). */
export const KEY_ROTATION_ENTRY = 'functions/key-rotation.ts';
