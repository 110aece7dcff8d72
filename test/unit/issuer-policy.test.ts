import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../shared/errors.ts';
import { assertAcceptableEndpoint, isPrivateHost } from '../../shared/oidc/issuer-policy.ts';

describe('Function: isPrivateHost', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST.', true],
    ['api.localhost', true],
    ['127.0.0.1', true],
    ['10.0.0.8', true],
    ['172.16.4.4', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['[::1]', true],
    ['[fe80::1]', true],
    ['[fd00:ec2::254]', true],
    ['[::ffff:10.0.0.1]', true],
    ['acme.okta.com', false],
    ['8.8.8.8', false],
    ['[2606:4700::1111]', false],
  ])('%s → %s', (host, expected) => {
    expect(isPrivateHost(host)).toBe(expected);
  });
});

describe('Function: assertAcceptableEndpoint', () => {
  it('refuses a discovered endpoint on a private address outside local mode', () => {
    for (const endpoint of [
      'https://169.254.169.254/latest/meta-data',
      'https://10.0.0.1/token',
      'https://[fd00::1]/keys',
    ]) {
      expect(() => assertAcceptableEndpoint('token_endpoint', endpoint, false), endpoint).toThrow(ServiceError);
    }
    expect(assertAcceptableEndpoint('token_endpoint', 'https://acme.okta.com/oauth2/v1/token', false)).toBe(
      'https://acme.okta.com/oauth2/v1/token',
    );
  });
});
