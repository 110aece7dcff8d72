import { Errors } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createLoginApp } from '../../infra/login-app.ts';
import { functionsOf, SKIP_BUNDLING } from './support.ts';

function appWith(context: Record<string, unknown>) {
  const { app, stack } = createLoginApp({ context: { ...SKIP_BUNDLING, ...context } });
  return { app, stack, template: Template.fromStack(stack) };
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
    });
    expect(stack.stackName).toBe('OktaLoginStaging');
    for (const fn of Object.values(functionsOf(template))) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        ALLOWED_REDIRECT_ORIGINS: 'https://app.example.com,https://admin.example.com',
        DEFAULT_REDIRECT_PATH: '/dashboard',
        PUBLIC_URL: 'https://login.example.com',
        POWERTOOLS_TRACE_ENABLED: 'true',
      });
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainName: 'login.example.com' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [topicArn] });
    // dev=true is the construct's removalPolicy DESTROY (what it does: table.test.ts).
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
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
      createLoginApp({ context: { ...SKIP_BUNDLING, ...context } });
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
    });
    expect(() => app.synth()).not.toThrow();
  });
});
