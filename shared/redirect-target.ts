/**
 * Decides whether a `target_link_uri` may be followed after login (OIDC Core
 * §4: the RP MUST verify it so it is not an open redirector). Allowed: a path
 * on our own origin, or an absolute http(s) URL on our origin or an allow-listed
 * origin. Everything else (protocol-relative `//`, backslashes, `javascript:`,
 * credentials in the URL, control characters) is refused.
 *
 * Returns the target to redirect to, or undefined when it must be ignored.
 */
export function resolveRedirectTarget(
  raw: string | undefined,
  options: { publicOrigin: string; allowedOrigins: readonly string[] },
): string | undefined {
  if (raw === undefined || raw.length === 0 || raw.length > 2048) return undefined;
  // Control characters, whitespace and backslashes let browsers reinterpret a URL.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u0020\u007f-\u009f\\]/.test(raw)) return undefined;

  if (raw.startsWith('/')) {
    if (raw.startsWith('//')) return undefined;
    const url = URL.parse(raw, options.publicOrigin);
    if (!url || url.origin !== options.publicOrigin) return undefined;
    return `${url.pathname}${url.search}${url.hash}`;
  }

  const url = URL.parse(raw);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return undefined;
  if (url.username || url.password) return undefined;
  if (url.origin !== options.publicOrigin && !options.allowedOrigins.includes(url.origin)) return undefined;
  return url.href;
}
