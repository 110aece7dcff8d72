import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ServiceError } from '../errors.ts';
import { header } from './request.ts';

/**
 * A state-changing POST must come from our own pages: a cross-site form post
 * (login/logout CSRF, a forged setup form) is refused even where SameSite=Lax
 * already keeps the cookie off it. `reason` says which form, for the words.
 */
export function assertSameOrigin(event: APIGatewayProxyEventV2, origin: string, reason: string): void {
  const refuse = () => new ServiceError('CROSS_SITE_REQUEST', { reason });
  // Fetch metadata is the reliable signal: our pages send no Referer, so browsers
  // send `Origin: null` even for our own form posts.
  const site = header(event, 'sec-fetch-site');
  if (site) {
    if (site !== 'same-origin' && site !== 'none') throw refuse();
    return;
  }
  const requestOrigin = header(event, 'origin');
  if (requestOrigin && requestOrigin !== origin) throw refuse();
}
