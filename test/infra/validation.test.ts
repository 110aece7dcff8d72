import { CfnParameter, Duration, Errors, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { LoginService, type LoginServiceProps } from '../../infra/login-service.ts';
import { LoginStack } from '../../infra/login-stack.ts';
import { appWithoutBundling, functionsOf } from './support.ts';

/** What `fn` threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('LoginService prop validation', () => {
  const build = (service: LoginServiceProps) => () => new LoginStack(appWithoutBundling(), 'Bad', { service });

  it.each<[string, LoginServiceProps, RegExp]>([
    [
      'http origin',
      { allowedRedirectOrigins: ['http://app.example.com'] },
      /allowedRedirectOrigins entry must be an exact origin like https:\/\/app\.example\.com.*got "http:\/\/app\.example\.com": use https/,
    ],
    [
      'origin with a path',
      { allowedRedirectOrigins: ['https://app.example.com/x'] },
      /got "https:\/\/app\.example\.com\/x"/,
    ],
    ['relative default path', { defaultRedirectPath: 'home' }, /single "\/", got "home"/],
    ['protocol-relative default path', { defaultRedirectPath: '//evil.example' }, /got "\/\/evil\.example"/],
    [
      'short session',
      { sessionTtl: Duration.seconds(5) },
      /sessionTtl must be whole seconds from 60 s .*got 5 seconds/,
    ],
    ['long session', { sessionTtl: Duration.days(31) }, /sessionTtl .* got 31 days/],
    [
      'fractional idle timeout',
      { sessionIdleTimeout: Duration.millis(1500) },
      /sessionIdleTimeout .*got 1 second 500 millis/,
    ],
    ['short login state', { loginStateTtl: Duration.seconds(10) }, /loginStateTtl .*got 10 seconds/],
    [
      'idp timeout over function timeout',
      { idpTimeout: Duration.seconds(10) },
      /idpTimeout .*below functionTimeout .*got 10000 ms/,
    ],
    [
      'function timeout at API Gateway limit',
      { functionTimeout: Duration.seconds(29) },
      /below API Gateway's 29 s, got 29 s/,
    ],
    ['tiny memory', { memorySize: 64 }, /memorySize must be an integer from 128 to 10240 MB, got 64 MB/],
    [
      'burst below rate',
      { throttlingRateLimit: 100, throttlingBurstLimit: 10 },
      /burstLimit >= rateLimit, got rate 100, burst 10/,
    ],
    ['zero rate', { throttlingRateLimit: 0 }, /rateLimit > 0 .*got rate 0/],
    ['prefix without slash', { clientSecretPrefix: 'no-slash' }, /ending in "\/", got "no-slash"/],
    ['empty prefix', { clientSecretPrefix: '' }, /ending in "\/", got ""/],
    [
      'app credentials over http',
      { appCredentials: { issuer: 'http://auth.example', audience: 'api', jwksUri: 'https://auth.example/jwks' } },
      /appCredentials\.issuer must be an https URL, got "http:\/\/auth\.example"/,
    ],
    [
      'audit retention',
      { auditRetentionDays: 0 },
      /auditRetentionDays must be an integer from 1 to 3650 days, got 0 days/,
    ],
    // SNAPSHOT is not a DynamoDB deletion policy, and the table's deletion protection follows RETAIN/DESTROY.
    [
      'a removal policy other than RETAIN or DESTROY',
      { removalPolicy: RemovalPolicy.SNAPSHOT },
      /removalPolicy must be RemovalPolicy\.RETAIN or RemovalPolicy\.DESTROY, got snapshot/,
    ],
  ])('rejects %s with the offending value, as a CDK ValidationError of the construct', (_case, service, message) => {
    const error = thrown(build(service));
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
    // CDK's own error type: the CLI shows which construct's prop was wrong.
    expect(Errors.isValidationError(error)).toBe(true);
    expect((error as { constructPath?: string }).constructPath).toMatch(/^Bad\/LoginService/);
  });

  it('rejects a custom domain that is not a host name', () => {
    const error = thrown(
      () =>
        new LoginStack(appWithoutBundling(), 'BadDomain', {
          customDomain: {
            domainName: 'https://login.example.com',
            certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
          },
        }),
    );
    expect((error as Error).message).toMatch(/host name like login\.example\.com, got "https:\/\/login\.example\.com"/);
    expect(Errors.isValidationError(error)).toBe(true);
    expect((error as { constructPath?: string }).constructPath).toBe('BadDomain/LoginService/Http');
  });

  it('rejects an app route that does not start with "/"', () => {
    const stack = new Stack(appWithoutBundling(), 'BadRoute');
    const handler = new LambdaFunction(stack, 'Fn', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = async () => ({})'),
    });
    const error = thrown(
      () => new LoginService(stack, 'Login', { protectedRoutes: [{ path: 'api', method: HttpMethod.GET, handler }] }),
    );
    expect((error as Error).message).toMatch(/start with "\/", got "api"/);
    expect(Errors.isValidationError(error)).toBe(true);
  });

  it('leaves values known only at deploy time (tokens) to deployment, and writes their references', () => {
    // The same props as CloudFormation parameters: nothing to check at synth, so nothing may throw,
    // and the functions' environment must carry the reference, not a token's placeholder text.
    const stack = new Stack(appWithoutBundling(), 'Tokens');
    const number = (id: string) => new CfnParameter(stack, id, { type: 'Number' }).valueAsNumber;
    const text = (id: string) => new CfnParameter(stack, id, { type: 'String' }).valueAsString;
    const origins = new CfnParameter(stack, 'Origins', { type: 'CommaDelimitedList' }).valueAsList;
    new LoginService(stack, 'Login', {
      allowedRedirectOrigins: origins,
      defaultRedirectPath: text('DefaultPath'),
      sessionTtl: Duration.seconds(number('SessionTtl')),
      sessionIdleTimeout: Duration.seconds(number('Idle')),
      loginStateTtl: Duration.seconds(number('LoginStateTtl')),
      secretsCacheTtl: Duration.seconds(number('SecretsCache')),
      idpTimeout: Duration.millis(number('IdpTimeout')),
      functionTimeout: Duration.seconds(number('FunctionTimeout')),
      memorySize: number('Memory'),
      auditRetentionDays: number('AuditDays'),
      throttlingRateLimit: number('Rate'),
      throttlingBurstLimit: number('Burst'),
      clientSecretPrefix: text('Prefix'),
      customDomain: {
        domainName: text('Domain'),
        certificate: Certificate.fromCertificateArn(stack, 'Cert', text('CertArn')),
      },
      appCredentials: { issuer: text('Issuer'), audience: text('Audience'), jwksUri: text('Jwks') },
      protectedRoutes: [],
    });
    const template = Template.fromStack(stack);
    for (const fn of Object.values(functionsOf(template))) {
      expect(fn.Properties).toMatchObject({ MemorySize: { Ref: 'Memory' }, Timeout: { Ref: 'FunctionTimeout' } });
      expect(fn.Properties.Environment.Variables).toMatchObject({
        ALLOWED_REDIRECT_ORIGINS: { 'Fn::Join': [',', { Ref: 'Origins' }] },
        DEFAULT_REDIRECT_PATH: { Ref: 'DefaultPath' },
        SESSION_TTL_SECONDS: { Ref: 'SessionTtl' },
        SESSION_IDLE_TIMEOUT_SECONDS: { Ref: 'Idle' },
        LOGIN_STATE_TTL_SECONDS: { Ref: 'LoginStateTtl' },
        SECRETS_CACHE_SECONDS: { Ref: 'SecretsCache' },
        IDP_TIMEOUT_MS: { Ref: 'IdpTimeout' },
        AUDIT_RETENTION_DAYS: { Ref: 'AuditDays' },
      });
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: { Ref: 'Rate' }, ThrottlingBurstLimit: { Ref: 'Burst' } },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainName: { Ref: 'Domain' } });
  });
});
