import { CfnParameter, Errors, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { describe, expect, it } from 'vitest';
import { siteOf } from '../../infra/app-origins.ts';
import { LoginService } from '../../infra/login-service.ts';
import { LoginStack, type LoginStackProps } from '../../infra/login-stack.ts';
import { appWithoutBundling, functionsOf, synthStack } from './support.ts';

const CUSTOM_DOMAIN = {
  domainName: 'login.example.com',
  certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
} as const;

/** What building the stack threw. */
function thrown(props: LoginStackProps): Error {
  try {
    new LoginStack(appWithoutBundling(), 'Bad', props);
  } catch (error) {
    expect(Errors.isValidationError(error)).toBe(true);
    expect((error as { constructPath?: string }).constructPath).toBe('Bad/LoginService');
    return error as Error;
  }
  throw new Error('expected a ValidationError');
}

/** Logical ids (less their hash) of the functions whose environment has `variable`. */
function functionsWith(template: Template, variable: string): string[] {
  return Object.entries(functionsOf(template))
    .filter(([, fn]) => variable in fn.Properties.Environment.Variables)
    .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))
    .sort();
}

describe('LoginService appUrl and appOrigins', () => {
  it('gives APP_URL and APP_ORIGINS, normalised, to the login, session and session-token functions only', () => {
    const { template } = synthStack({
      customDomain: CUSTOM_DOMAIN,
      service: {
        appUrl: 'https://App.Example.com/home',
        appOrigins: ['https://admin.example.com/', 'https://admin.example.com', 'https://beta.example.com:8443'],
      },
    });
    const expected = ['LoginServiceLoginFunction', 'LoginServiceSessionFunction', 'LoginServiceSessionTokenFunction'];
    expect(functionsWith(template, 'APP_URL')).toEqual(expected);
    expect(functionsWith(template, 'APP_ORIGINS')).toEqual(expected);
    // The token's audience: the app URL's origin, to the token function only.
    expect(functionsWith(template, 'APP_AUDIENCE')).toEqual(['LoginServiceSessionTokenFunction']);
    for (const [id, fn] of Object.entries(functionsOf(template))) {
      if (id.startsWith('LoginServiceSessionTokenFunction')) {
        expect(fn.Properties.Environment.Variables.APP_AUDIENCE).toBe('https://app.example.com');
      }
      if (!/^LoginService(Login|Session|SessionToken)Function/.test(id)) continue;
      expect(fn.Properties.Environment.Variables).toMatchObject({
        APP_URL: 'https://app.example.com/home',
        APP_ORIGINS: 'https://admin.example.com,https://beta.example.com:8443',
        PUBLIC_URL: 'https://login.example.com',
      });
    }
  });

  it('accepts an app on the same site under a multi-label public suffix (example.co.uk)', () => {
    const { template } = synthStack({
      customDomain: { ...CUSTOM_DOMAIN, domainName: 'login.example.co.uk' },
      service: { appUrl: 'https://app.example.co.uk', appOrigins: ['https://example.co.uk'] },
    });
    expect(functionsWith(template, 'APP_URL')).toHaveLength(3);
  });

  it.each<[string, LoginStackProps, RegExp]>([
    [
      'an http app URL',
      { customDomain: CUSTOM_DOMAIN, service: { appUrl: 'http://app.example.com' } },
      /^appUrl: APP_URL must be .*got "http:\/\/app\.example\.com": use https/,
    ],
    [
      'an http localhost app URL (local stack only)',
      { customDomain: CUSTOM_DOMAIN, service: { appUrl: 'http://localhost:3000/' } },
      /got "http:\/\/localhost:3000\/": use https \(plain http is only for the local stack\)/,
    ],
    [
      'an app URL with a query',
      { customDomain: CUSTOM_DOMAIN, service: { appUrl: 'https://app.example.com/?x=1' } },
      /got "https:\/\/app\.example\.com\/\?x=1": remove the query and fragment/,
    ],
    [
      'null as an app origin',
      { customDomain: CUSTOM_DOMAIN, service: { appOrigins: ['null'] } },
      /each appOrigins entry must be an exact origin .*got "null"/,
    ],
    [
      'a wildcard app origin',
      { customDomain: CUSTOM_DOMAIN, service: { appOrigins: ['https://*.example.com'] } },
      /got "https:\/\/\*\.example\.com": wildcards are not allowed/,
    ],
    [
      'a domain suffix as an app origin',
      { customDomain: CUSTOM_DOMAIN, service: { appOrigins: ['https://.example.com'] } },
      /got "https:\/\/\.example\.com": .*suffixes are not allowed/,
    ],
    [
      'an app origin with a path',
      { customDomain: CUSTOM_DOMAIN, service: { appOrigins: ['https://app.example.com/app'] } },
      /got "https:\/\/app\.example\.com\/app": remove the path/,
    ],
    // allowedRedirectOrigins goes through the same validator.
    [
      'null as an allowed redirect origin',
      { service: { allowedRedirectOrigins: ['null'] } },
      /each allowedRedirectOrigins entry must be an exact origin .*got "null"/,
    ],
    [
      'a wildcard allowed redirect origin',
      { service: { allowedRedirectOrigins: ['https://*.example.com'] } },
      /allowedRedirectOrigins entry .*wildcards are not allowed/,
    ],
  ])('rejects %s, quoting it and saying what to do', (_case, props, message) => {
    expect(thrown(props).message).toMatch(message);
  });

  describe('the same-site rule', () => {
    it('refuses appUrl without a custom domain: the default execute-api host is another site', () => {
      const { message } = thrown({ service: { appUrl: 'https://app.example.com/home' } });
      expect(message).toContain('appUrl "https://app.example.com" needs a custom domain');
      expect(message).toContain('*.execute-api.<region>.amazonaws.com');
      expect(message).toContain('SameSite=Lax');
      expect(message).toContain('e.g. login.example.com for an app on app.example.com');
    });

    it('refuses an app origin without a custom domain too', () => {
      expect(thrown({ service: { appOrigins: ['https://admin.example.com'] } }).message).toMatch(
        /^appOrigins entry "https:\/\/admin\.example\.com" needs a custom domain/,
      );
    });

    it('refuses an app on another site than the custom domain, naming both sites', () => {
      const { message } = thrown({ customDomain: CUSTOM_DOMAIN, service: { appUrl: 'https://app.example.org/' } });
      expect(message).toContain(
        'appUrl "https://app.example.org" (site example.org) is not on the same site as the login service\'s custom domain "login.example.com" (site example.com)',
      );
      expect(message).toContain('SameSite=Lax');
      expect(message).toMatch(/Fix: .*login\.example\.org .*or move the app under example\.com/);
    });

    it('compares registrable domains, not the last two labels (example.co.uk vs other.co.uk)', () => {
      const { message } = thrown({
        customDomain: { ...CUSTOM_DOMAIN, domainName: 'login.example.co.uk' },
        service: { appUrl: 'https://app.other.co.uk' },
      });
      expect(message).toContain('(site other.co.uk) is not on the same site');
    });

    it('treats the private section of the list as browsers do (each execute-api host is its own site)', () => {
      const { message } = thrown({
        customDomain: CUSTOM_DOMAIN,
        service: { appOrigins: ['https://abc123.execute-api.us-east-1.amazonaws.com'] },
      });
      expect(message).toContain('(site abc123.execute-api.us-east-1.amazonaws.com) is not on the same site');
    });

    it.each([
      ['https://192.0.2.10', /192\.0\.2\.10 is an IP address/],
      ['https://[2001:db8::1]', /\[2001:db8::1\] is an IP address/],
      ['https://localhost', /localhost has no registrable domain/],
      ['https://github.io', /github\.io has no registrable domain \(it is a public suffix/],
    ])('refuses a check that cannot be made (%s), in words', (appUrl, why) => {
      const { message } = thrown({ customDomain: CUSTOM_DOMAIN, service: { appUrl } });
      expect(message).toMatch(/the same-site check cannot be made/);
      expect(message).toMatch(why);
    });

    it('names the site of a host by the public suffix list, private section included', () => {
      expect(siteOf('app.example.com')).toEqual({ site: 'example.com' });
      expect(siteOf('a.b.example.co.uk')).toEqual({ site: 'example.co.uk' });
      expect(siteOf('abc123.execute-api.eu-west-1.amazonaws.com')).toEqual({
        site: 'abc123.execute-api.eu-west-1.amazonaws.com',
      });
      expect(siteOf('10.0.0.1')).toHaveProperty('why');
    });
  });

  it('leaves values known only at deploy time to deployment, and writes their references', () => {
    const stack = new Stack(appWithoutBundling(), 'Tokens');
    const text = (id: string) => new CfnParameter(stack, id, { type: 'String' }).valueAsString;
    new LoginService(stack, 'Login', {
      appUrl: text('AppUrl'),
      appOrigins: new CfnParameter(stack, 'AppOrigins', { type: 'CommaDelimitedList' }).valueAsList,
      customDomain: {
        domainName: text('Domain'),
        certificate: Certificate.fromCertificateArn(stack, 'Cert', text('CertArn')),
      },
    });
    const template = Template.fromStack(stack);
    expect(functionsWith(template, 'APP_URL')).toEqual([
      'LoginLoginFunction',
      'LoginSessionFunction',
      'LoginSessionTokenFunction',
    ]);
    // The audience defaults to the origin of a URL known only at deploy time: left to the function.
    expect(functionsWith(template, 'APP_AUDIENCE')).toEqual([]);
    for (const [id, fn] of Object.entries(functionsOf(template))) {
      if (!/^Login(Login|Session|SessionToken)Function/.test(id)) continue;
      expect(fn.Properties.Environment.Variables).toMatchObject({
        APP_URL: { Ref: 'AppUrl' },
        APP_ORIGINS: { 'Fn::Join': [',', { Ref: 'AppOrigins' }] },
      });
    }
  });
});
