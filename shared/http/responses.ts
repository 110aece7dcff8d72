import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type SerializeOptions, serialize } from 'cookie';
import { PAGE_CSP } from './pages.ts';

export type HttpResult = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
};

/** Every cookie we set is Secure, HttpOnly, SameSite=Lax and host-only on Path=/. */
export function setCookie(name: string, value: string, maxAgeSeconds: number): string {
  const options: SerializeOptions = { httpOnly: true, secure: true, sameSite: 'lax', path: '/', maxAge: maxAgeSeconds };
  return serialize(name, value, options);
}

export function clearCookie(name: string): string {
  return serialize(name, '', { httpOnly: true, secure: true, sameSite: 'lax', path: '/', maxAge: 0 });
}

/** Auth responses must never be cached by browsers or proxies. */
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

export function redirect(location: string, cookies: string[] = []): HttpResult {
  return { statusCode: 302, headers: { ...NO_STORE, location }, cookies, body: '' };
}

export function html(statusCode: number, body: string, cookies: string[] = []): HttpResult {
  return {
    statusCode,
    headers: { ...NO_STORE, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PAGE_CSP },
    cookies,
    body,
  };
}

export function json(statusCode: number, value: unknown, cookies: string[] = []): HttpResult {
  return {
    statusCode,
    headers: { ...NO_STORE, 'content-type': 'application/json; charset=utf-8' },
    cookies,
    body: JSON.stringify(value),
  };
}

export function empty(statusCode: number, cookies: string[] = []): HttpResult {
  return { statusCode, headers: { ...NO_STORE }, cookies, body: '' };
}
