import { Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { getDomain, parse } from 'tldts';
import { parseAppUrl, parseExactOrigin } from '../shared/http/origins.ts';
import { validationError } from './validation.ts';

/**
 * The app's URLs as construct props: each origin through the one origin
 * validator the functions and the tenant CLI use (`shared/http/origins.ts`),
 * so a value `cdk synth` accepts is one a cold start accepts, and the same
 * site rule the browser applies to the session cookie.
 *
 * Deployed stacks never accept plain http: `http://localhost` is for the
 * local stack only.
 */

/** An exact https origin prop, normalised as a browser prints it (`Origin`); an unresolved token passes. */
export function requireOrigin(scope: IConstruct, what: string, value: string): string {
  if (Token.isUnresolved(value)) return value;
  try {
    return parseExactOrigin(value, { what, allowHttpLoopback: false });
  } catch (error) {
    throw validationError(scope, 'InvalidOrigin', messageOf(error));
  }
}

/** The `appUrl` prop, normalised (`URL.href`); an unresolved token passes as it is. */
export function requireAppUrl(scope: IConstruct, value: string): string {
  if (Token.isUnresolved(value)) return value;
  try {
    return parseAppUrl(value, { allowHttpLoopback: false }).href;
  } catch (error) {
    throw validationError(scope, 'InvalidAppUrl', `appUrl: ${messageOf(error)}`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The site of a host as browsers define it for `SameSite` cookies: its
 * registrable domain (eTLD+1) by the whole public suffix list, private
 * section included (browsers use it: `*.execute-api.<region>.amazonaws.com`
 * and `github.io` are listed there, so each API or page under them is its own
 * site). When the host has none: why, in words.
 */
export function siteOf(host: string): { readonly site: string } | { readonly why: string } {
  const parsed = parse(host, { allowPrivateDomains: true });
  if (parsed.isIp) {
    return { why: `${host} is an IP address, which has no registrable domain to compare: use a host name` };
  }
  const site = getDomain(host, { allowPrivateDomains: true });
  if (!site) {
    return {
      why: `${host} has no registrable domain (it is a public suffix or a single-label name like localhost): use a host name under a domain you own`,
    };
  }
  return { site };
}

/**
 * Requires the app at `appOrigin` (the `appUrl`'s origin, or an `appOrigins`
 * entry, named by `prop`) to be on the same site as the login service.
 *
 * Why: the session cookie is set by the login host, host-only and
 * `SameSite=Lax`, so the browser sends it on the app's `fetch` of `/me` or
 * `/session/token` only when the app's page is on the same site. Without a
 * custom domain the service answers on API Gateway's
 * `*.execute-api.<region>.amazonaws.com` host, a public suffix of its own:
 * never the same site as any app. A check that cannot be made (a token at
 * synth) is left out; one that cannot be answered (an IP address) fails.
 */
export function requireSameSite(
  scope: IConstruct,
  prop: string,
  appOrigin: string,
  loginDomain: string | undefined,
): void {
  if (Token.isUnresolved(appOrigin) || (loginDomain !== undefined && Token.isUnresolved(loginDomain))) return;
  const appHost = new URL(appOrigin).hostname;
  const fix = (appSite: string | undefined) =>
    `serve the login service on a custom domain on the app's site (customDomain, context customDomainName and certificateArn), e.g. login.${appSite ?? 'example.com'} for an app on ${appSite ? appHost : 'app.example.com'}`;
  const why =
    'the session cookie is host-only and SameSite=Lax on the login host, so the browser sends it on the app\u2019s fetches of /me and /session/token only from a page on the same site (same registrable domain by the public suffix list)';
  const app = siteOf(appHost);
  if ('why' in app) {
    throw validationError(
      scope,
      'AppNotSameSite',
      `${prop} "${appOrigin}": the same-site check cannot be made: ${app.why}. It is needed because ${why}.`,
    );
  }
  if (loginDomain === undefined) {
    throw validationError(
      scope,
      'AppNotSameSite',
      `${prop} "${appOrigin}" needs a custom domain for the login service on the same site (${app.site}): without one the service answers on API Gateway's default host (*.execute-api.<region>.amazonaws.com, a public suffix of its own, so another site than any app), and ${why}. Fix: ${fix(app.site)}.`,
    );
  }
  const login = siteOf(loginDomain);
  if ('why' in login) {
    throw validationError(
      scope,
      'AppNotSameSite',
      `customDomain "${loginDomain}": the same-site check with ${prop} cannot be made: ${login.why}. It is needed because ${why}.`,
    );
  }
  if (login.site !== app.site) {
    throw validationError(
      scope,
      'AppNotSameSite',
      `${prop} "${appOrigin}" (site ${app.site}) is not on the same site as the login service's custom domain "${loginDomain}" (site ${login.site}): ${why}. Fix: ${fix(app.site)}, or move the app under ${login.site}.`,
    );
  }
}
