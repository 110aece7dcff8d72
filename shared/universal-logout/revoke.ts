import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { publicOrigin } from '../http/request.ts';
import { empty, type HttpResult } from '../http/responses.ts';
import { universalLogoutUrl } from '../tenant-urls.ts';
import { authenticateCaller } from './authenticate-caller.ts';
import type { UniversalLogoutDependencies } from './dependencies.ts';
import { endSessions } from './end-sessions.ts';
import { findSubjectUsers } from './find-users.ts';
import { parseRevocationBody } from './parse-subject.ts';
import { bearerToken, readRevocationRequest } from './read-request.ts';
import { requireUniversalLogoutTenant } from './tenant.ts';

/**
 * `POST /t/{tenant}/global-token-revocation` (Okta Universal Logout, the
 * Global Token Revocation draft), step by step as the protocol runs: the
 * tenant, with the endpoint on (404); who is calling (401, 403, the `jti`
 * used up); what they ask (400, 422); whom it names in this tenant (404); then
 * every session of those users ends (204, also when they had none).
 */
export async function globalTokenRevocation(
  deps: UniversalLogoutDependencies,
  event: APIGatewayProxyEventV2,
): Promise<HttpResult> {
  const request = readRevocationRequest(event);
  const tenant = await requireUniversalLogoutTenant(deps, request.tenantId);
  const endpoint = universalLogoutUrl(publicOrigin(event, deps.config.publicUrl), tenant.tenantId);
  await authenticateCaller(deps, tenant, bearerToken(request), endpoint);
  const subject = parseRevocationBody(request.body);
  const users = await findSubjectUsers(deps, tenant, subject);
  const sessionsEnded = await endSessions(deps, tenant, users, subject);
  deps.telemetry.answered('revoked');
  // Counts only: never the subject's email, sub or the token.
  deps.logger.info('universal logout: sessions ended', { format: subject.format, users: users.length, sessionsEnded });
  return empty(204);
}
