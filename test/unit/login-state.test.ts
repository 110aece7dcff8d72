import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../shared/errors.ts';
import { loginStateCookieName, openLoginState, sealLoginState } from '../../shared/login-state.ts';

const key = new Uint8Array(32).fill(1);
const otherKey = new Uint8Array(32).fill(2);
const now = new Date('2026-11-22T12:00:00Z');
const state = {
  stateId: 'AAAAAAAAAAAAAAAAAAAAAA',
  tenantId: 'acme',
  nonce: 'nonce-1',
  codeVerifier: 'verifier-1',
  target: '/app',
  expiresAt: Math.floor(now.getTime() / 1000) + 600,
};

async function failure(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceError);
    return (error as ServiceError).reason;
  }
}

describe('Module: login-state', () => {
  it('round-trips a sealed state', async () => {
    const sealed = await sealLoginState(state, key);
    expect(sealed).not.toContain('verifier-1');
    await expect(openLoginState(sealed, { stateId: state.stateId, tenantId: 'acme' }, key, now)).resolves.toEqual(
      state,
    );
  });

  it('names one cookie per login attempt', () => {
    expect(loginStateCookieName('abcdefghijklmnop')).toBe('__Host-login-abcdefghijkl');
  });

  it('refuses a state sealed with another key', async () => {
    const sealed = await sealLoginState(state, otherKey);
    expect(await failure(openLoginState(sealed, { stateId: state.stateId, tenantId: 'acme' }, key, now))).toBe(
      'state_cookie_invalid',
    );
  });

  it('refuses an expired state', async () => {
    const sealed = await sealLoginState(state, key);
    const later = new Date(now.getTime() + 601_000);
    expect(await failure(openLoginState(sealed, { stateId: state.stateId, tenantId: 'acme' }, key, later))).toBe(
      'state_expired',
    );
  });

  it('refuses a cookie that belongs to another state', async () => {
    const sealed = await sealLoginState(state, key);
    expect(
      await failure(openLoginState(sealed, { stateId: 'BBBBBBBBBBBBBBBBBBBBBB', tenantId: 'acme' }, key, now)),
    ).toBe('state_mismatch');
  });

  it('refuses a callback on another tenant path', async () => {
    const sealed = await sealLoginState(state, key);
    expect(await failure(openLoginState(sealed, { stateId: state.stateId, tenantId: 'globex' }, key, now))).toBe(
      'state_tenant_mismatch',
    );
  });

  it('refuses a tampered cookie', async () => {
    const sealed = await sealLoginState(state, key);
    const tampered = `${sealed.slice(0, -4)}AAAA`;
    expect(await failure(openLoginState(tampered, { stateId: state.stateId, tenantId: 'acme' }, key, now))).toBe(
      'state_cookie_invalid',
    );
  });
});
