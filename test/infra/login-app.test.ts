import { Errors } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createLoginApp } from '../../infra/login-app.ts';
import { functionsOf, SKIP_BUNDLING } from './support.ts';

function appWith(context: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  const { app, stack } = createLoginApp({ context: { ...SKIP_BUNDLING, ...context } }, env);
  return { app, stack, template: Template.fromStack(stack) };
}

/** APP_URL and APP_ORIGINS of each function that has either, by construct id (logical id less its hash). */
function appEnvironments(template: Template): Record<string, Record<string, unknown>> {
  const entries = Object.entries(functionsOf(template)).flatMap(([logicalId, fn]) => {
    const { APP_URL, APP_ORIGINS } = fn.Properties.Environment.Variables;
    if (APP_URL === undefined && APP_ORIGINS === undefined) return [];
    return [
      [
        logicalId.replace(/[0-9A-F]{8}$/, ''),
        { ...(APP_URL !== undefined ? { APP_URL } : {}), ...(APP_ORIGINS !== undefined ? { APP_ORIGINS } : {}) },
      ],
    ];
  });
  return Object.fromEntries(entries);
}

/** APP_AUDIENCE of each function that has it, by construct id. */
function audiences(template: Template): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(functionsOf(template)).flatMap(([logicalId, fn]) => {
      const { APP_AUDIENCE } = fn.Properties.Environment.Variables;
      return APP_AUDIENCE === undefined ? [] : [[logicalId.replace(/[0-9A-F]{8}$/, ''), APP_AUDIENCE]];
    }),
  );
}

describe('Function: createLoginApp', () => {
  it('builds the production stack "OktaLogin" with no context', () => {
    const { stack, template } = appWith({});
    expect(stack.stackName).toBe('OktaLogin');
    expect(stack.resolve(stack.account)).toEqual({ Ref: 'AWS::AccountId' }); // environment-agnostic
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    for (const fn of Object.values(functionsOf(template))) {
      expect(fn.Properties.Environment.Variables.ALLOWED_REDIRECT_ORIGINS).toBe('');
      expect(fn.Properties.TracingConfig).toBeUndefined();
    }
  });

  it('reads every context key', () => {
    const topicArn = 'arn:aws:sns:us-east-1:123456789012:ops-alarms';
    const { stack, template } = appWith({
      stackName: 'OktaLoginStaging',
      allowedRedirectOrigins: 'https://app.example.com, https://admin.example.com',
      defaultRedirectPath: '/dashboard',
      customDomainName: 'login.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab',
      alarmTopicArn: topicArn,
      tracing: 'true',
      dev: 'true',
      appUrl: 'https://app.example.com/home',
      appOrigins: 'https://admin.example.com, https://app.example.com',
    });
    expect(stack.stackName).toBe('OktaLoginStaging');
    expect(appEnvironments(template)).toEqual({
      LoginServiceLoginFunction: {
        APP_URL: 'https://app.example.com/home',
        APP_ORIGINS: 'https://admin.example.com,https://app.example.com',
      },
      LoginServiceSessionFunction: {
        APP_URL: 'https://app.example.com/home',
        APP_ORIGINS: 'https://admin.example.com,https://app.example.com',
      },
      LoginServiceSessionTokenFunction: {
        APP_URL: 'https://app.example.com/home',
        APP_ORIGINS: 'https://admin.example.com,https://app.example.com',
      },
    });
    for (const fn of Object.values(functionsOf(template))) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        ALLOWED_REDIRECT_ORIGINS: 'https://app.example.com,https://admin.example.com',
        DEFAULT_REDIRECT_PATH: '/dashboard',
        PUBLIC_URL: 'https://login.example.com',
        POWERTOOLS_TRACE_ENABLED: 'true',
      });
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    }
    // The token's audience, without appAudience: the app URL's origin.
    expect(audiences(template)).toEqual({ LoginServiceSessionTokenFunction: 'https://app.example.com' });
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainName: 'login.example.com' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [topicArn] });
    // dev=true is the construct's removalPolicy DESTROY (what it does: table.test.ts).
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
  });

  describe('app URL and app origins', () => {
    const domain = {
      customDomainName: 'login.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
    };

    it('reads APP_URL and APP_ORIGINS from the environment when the context keys are not given', () => {
      const { template } = appWith(domain, {
        APP_URL: 'https://app.example.com/',
        APP_ORIGINS: 'https://admin.example.com,https://beta.example.com',
      });
      expect(appEnvironments(template).LoginServiceSessionFunction).toEqual({
        APP_URL: 'https://app.example.com/',
        APP_ORIGINS: 'https://admin.example.com,https://beta.example.com',
      });
    });

    it('reads the token audience from context appAudience, else env APP_AUDIENCE, as written', () => {
      const fromEnv = appWith(domain, { APP_URL: 'https://app.example.com/', APP_AUDIENCE: 'urn:example:app' });
      expect(audiences(fromEnv.template)).toEqual({ LoginServiceSessionTokenFunction: 'urn:example:app' });
      const fromContext = appWith(
        { ...domain, appAudience: 'https://api.example.com/' },
        { APP_AUDIENCE: 'urn:example:app' },
      );
      expect(audiences(fromContext.template)).toEqual({ LoginServiceSessionTokenFunction: 'https://api.example.com/' });
      // An audience needs no app URL (and so no same-site check): it is only compared by verifiers.
      const alone = appWith({}, { APP_AUDIENCE: 'urn:example:app' });
      expect(audiences(alone.template)).toEqual({ LoginServiceSessionTokenFunction: 'urn:example:app' });
    });

    it('prefers the context key to the environment variable', () => {
      const { template } = appWith(
        { ...domain, appUrl: 'https://app.example.com/from-context', appOrigins: ['https://admin.example.com'] },
        { APP_URL: 'https://app.example.com/from-env', APP_ORIGINS: 'https://env.example.com' },
      );
      expect(appEnvironments(template).LoginServiceLoginFunction).toEqual({
        APP_URL: 'https://app.example.com/from-context',
        APP_ORIGINS: 'https://admin.example.com',
      });
    });

    it('sets no APP_URL and an empty APP_ORIGINS without them', () => {
      const { template } = appWith({});
      expect(appEnvironments(template)).toEqual({
        LoginServiceLoginFunction: { APP_ORIGINS: '' },
        LoginServiceSessionFunction: { APP_ORIGINS: '' },
        LoginServiceSessionTokenFunction: { APP_ORIGINS: '' },
      });
      // No app, no audience: /session/token answers 503 saying to set APP_URL or APP_AUDIENCE.
      expect(audiences(template)).toEqual({});
    });

    it.each<[string, Record<string, unknown>, NodeJS.ProcessEnv, RegExp]>([
      [
        'APP_URL without a custom domain',
        {},
        { APP_URL: 'https://app.example.com' },
        /appUrl "https:\/\/app\.example\.com" needs a custom domain .*execute-api.*SameSite=Lax/,
      ],
      [
        'appUrl on another site than the custom domain',
        { ...domain, appUrl: 'https://app.example.org' },
        {},
        /site example\.org\) is not on the same site as the login service's custom domain "login\.example\.com" \(site example\.com\)/,
      ],
      [
        'an http app URL',
        { ...domain, appUrl: 'http://app.example.com' },
        {},
        /got "http:\/\/app\.example\.com": use https/,
      ],
      ['a wildcard in APP_ORIGINS', domain, { APP_ORIGINS: 'https://*.example.com' }, /wildcards are not allowed/],
      ['null in appOrigins', { ...domain, appOrigins: 'null' }, {}, /appOrigins entry .*got "null"/],
      ['a relative audience', {}, { APP_AUDIENCE: 'my-app' }, /appAudience must be an absolute URI .*got "my-app"/],
      ['an audience with a space', { appAudience: 'urn:my app' }, {}, /appAudience .*got "urn:my app"/],
    ])('rejects %s with the value and what to do', (_case, context, env, message) => {
      let error: unknown;
      try {
        createLoginApp({ context: { ...SKIP_BUNDLING, ...context } }, env);
      } catch (caught) {
        error = caught;
      }
      expect((error as Error | undefined)?.message).toMatch(message);
      expect(Errors.isValidationError(error)).toBe(true);
    });
  });

  it('accepts JSON values from cdk.json (a boolean flag, a list of origins)', () => {
    const { template } = appWith({
      dev: true,
      allowedRedirectOrigins: ['https://app.example.com', 'https://admin.example.com'],
    });
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ ALLOWED_REDIRECT_ORIGINS: 'https://app.example.com,https://admin.example.com' }),
      },
    });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'a domain without certificate',
      { customDomainName: 'login.example.com' },
      /give both or neither.*"login\.example\.com"/,
    ],
    [
      'a certificate without domain',
      { certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/x' },
      /give both or neither/,
    ],
    [
      'a certificate ARN of another service',
      { customDomainName: 'login.example.com', certificateArn: 'arn:aws:iam::123456789012:server-certificate/x' },
      /ACM certificate ARN, got "arn:aws:iam::123456789012:server-certificate\/x"/,
    ],
    ['a malformed topic ARN', { alarmTopicArn: 'ops-alarms' }, /SNS topic ARN, got "ops-alarms"/],
    ['a flag that is not true/false', { dev: 'yes' }, /dev must be true or false, got "yes"/],
    ['an http origin', { allowedRedirectOrigins: 'http://app.example.com' }, /got "http:\/\/app\.example\.com"/],
  ])('rejects %s with the offending value, as a CDK ValidationError', (_case, context, message) => {
    let error: unknown;
    try {
      createLoginApp({ context: { ...SKIP_BUNDLING, ...context } }, {});
    } catch (caught) {
      error = caught;
    }
    expect((error as Error | undefined)?.message).toMatch(message);
    expect(Errors.isValidationError(error)).toBe(true);
  });

  it('synthesizes with the cdk-nag plugin registered and passing', () => {
    const { app } = appWith({
      customDomainName: 'login.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops',
      appUrl: 'https://app.example.com/',
      appOrigins: 'https://admin.example.com',
    });
    expect(() => app.synth()).not.toThrow();
  });
});
