import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { queryParams, requestCookies } from '../http/request.ts';
import { isWellFormedStateId, loginStateCookieName } from '../login-state.ts';
import { SESSION_COOKIE } from '../sessions.ts';

/** What a callback request carries, read once (RFC 6749 §4.1.2, RFC 9207, OIDC Core §3.1.2.5). */
export interface CallbackRequest {
  /** The tenant in the path. */
  readonly tenantId: string;
  readonly stateId: string | undefined;
  /** The login-state cookie this `state` names, when the state is well-formed. */
  readonly stateCookieName: string | undefined;
  /** That cookie's sealed value, if this browser has it. */
  readonly sealedState: string | undefined;
  readonly code: string | undefined;
  /** RFC 9207 `iss`, when the authorization server names itself. */
  readonly issuer: string | undefined;
  /** Okta's `error` and `error_description`, when it refused. */
  readonly error: { readonly code: string; readonly description: string } | undefined;
  /** The browser's current session cookie, ended by this login (rotation). */
  readonly previousSession: string | undefined;
}

export function readCallback(event: APIGatewayProxyEventV2): CallbackRequest {
  const params = queryParams(event);
  const cookies = requestCookies(event);
  const stateId = params.get('state');
  const stateCookieName = stateId && isWellFormedStateId(stateId) ? loginStateCookieName(stateId) : undefined;
  const error = params.get('error');
  return {
    tenantId: event.pathParameters?.tenant ?? '',
    stateId,
    stateCookieName,
    sealedState: stateCookieName ? cookies.get(stateCookieName) : undefined,
    code: params.get('code'),
    issuer: params.get('iss'),
    error: error === undefined ? undefined : { code: error, description: params.get('error_description') ?? '' },
    previousSession: cookies.get(SESSION_COOKIE),
  };
}
