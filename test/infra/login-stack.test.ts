import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { LoginService } from '../../infra/login-service.ts';
import { LoginStack, type LoginStackProps } from '../../infra/login-stack.ts';
import { acknowledgeNagFindings } from '../../infra/nag-suppressions.ts';
import { ROUTES } from '../../shared/routes.ts';

/** Assertion tests skip esbuild (bundles.test.ts bundles for real). */
function synth(props: LoginStackProps = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new LoginStack(app, 'Test', props);
  return { app, stack, template: Template.fromStack(stack) };
}

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

function statementsOf(template: Template, functionLogicalIdPrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.entries(policies)
    .filter(([id]) => id.startsWith(`LoginService${functionLogicalIdPrefix}`))
    .flatMap(
      ([, policy]) =>
        (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
    );
}

const actions = (statements: Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

describe('Construct: LoginStack', () => {
  let template: Template;
  beforeAll(() => {
    template = synth().template;
  });

  it('runs every function on Node.js 22, arm64, with bounded timeout, memory and source maps', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(5);
    for (const fn of Object.values(functions) as Array<{ Properties: Record<string, unknown> }>) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: 512,
        Timeout: 10,
        Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_METRICS_NAMESPACE: 'OktaLogin' } },
      });
      expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.TABLE_NAME).toBeDefined();
    }
  });

  it('keeps logs for a month', () => {
    const groups = template.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(groups).length).toBeGreaterThanOrEqual(6); // 5 functions + access logs
    for (const group of Object.values(groups) as Array<{ Properties: { RetentionInDays: number } }>) {
      expect(group.Properties.RetentionInDays).toBe(30);
    }
  });

  it('creates one on-demand table with PITR, TTL, the code’s keys, deletion protection and RETAIN', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        Replicas: [
          Match.objectLike({
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
          }),
        ],
      }),
    });
  });

  it('destroys the table only for a dev stack', () => {
    const dev = synth({ service: { dev: true } }).template;
    dev.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] }),
    });
  });

  it('routes every public route, protects the example app route with the authorizer, and throttles', () => {
    const routes = template.findResources('AWS::ApiGatewayV2::Route');
    const keys = Object.values(routes).map(
      (route) => (route as { Properties: { RouteKey: string } }).Properties.RouteKey,
    );
    expect(keys.sort()).toEqual(ROUTES.map((route) => route.routeKey).sort());
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /app/whoami',
      AuthorizationType: 'CUSTOM',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      AuthorizerPayloadFormatVersion: '2.0',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
      AccessLogSettings: Match.objectLike({ Format: Match.stringLikeRegexp('"status":"\\$context.status"') }),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { PayloadFormatVersion: '2.0' });
  });

  it('grants each function only the table actions and secrets it uses, never "*"', () => {
    const login = statementsOf(template, 'LoginFunction');
    expect(actions(login)).toEqual(
      [
        'dynamodb:ConditionCheckItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:GetSecretValue',
      ].sort(),
    );
    expect(actions(statementsOf(template, 'SessionFunction'))).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ].sort(),
    );
    expect(actions(statementsOf(template, 'AuthorizerFunction'))).toEqual(
      ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'].sort(),
    );
    expect(statementsOf(template, 'HealthFunction')).toEqual([]);
    expect(statementsOf(template, 'WhoamiFunction')).toEqual([]);

    const all = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) =>
        (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
    );
    for (const statement of all) {
      const list = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
      expect(list.some((action) => action === '*' || action.endsWith(':*'))).toBe(false);
      if (list.some((action) => /^(dynamodb|secretsmanager|kms):/.test(action))) {
        expect(JSON.stringify(statement.Resource)).not.toBe('"*"');
      }
    }
    const secretStatement = login.find((s) => JSON.stringify(s.Resource).includes('okta-login/client-secret/*'));
    expect(secretStatement).toBeDefined();
  });

  it('generates the login-state key and passes secrets by reference only', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CLIENT_SECRET_PREFIX: 'okta-login/client-secret/',
          STATE_KEY_SECRET_ID: { Ref: Match.stringLikeRegexp('StateKey') },
        }),
      },
    });
  });

  it('alarms on 5xx rate, function errors and throttles, and login failures', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Array<{
      Properties: { AlarmDescription: string; MetricName?: string; Metrics?: unknown[] };
    }>;
    const descriptions = alarms.map((alarm) => alarm.Properties.AlarmDescription);
    expect(descriptions).toContain('More than 5% of requests failed with a 5xx in 5 minutes.');
    for (const fn of ['login', 'session', 'health', 'whoami', 'authorizer']) {
      expect(descriptions).toContain(`${fn} function errors.`);
      expect(descriptions).toContain(`${fn} function throttled.`);
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'LoginFailure',
      Namespace: 'OktaLogin',
      Dimensions: [{ Name: 'service', Value: 'okta-login' }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'LoginFailure',
      Dimensions: Match.arrayWith([{ Name: 'reason', Value: 'TOKEN_ENDPOINT_FAILED' }]),
    });
  });

  it('outputs what a platform team pastes into Okta and the CLI', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'ApiUrl',
        'CallbackUriPattern',
        'ClientSecretPrefix',
        'LoginUriPattern',
        'StateKeySecretArn',
        'TableName',
      ].sort(),
    );
    expect(JSON.stringify(outputs.LoginUriPattern)).toContain('/t/<tenant>/login');
  });

  it('serves a custom domain when given and sets PUBLIC_URL to it', () => {
    const custom = synth({
      customDomain: {
        domainName: 'login.example.com',
        certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      },
    }).template;
    custom.hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainName: 'login.example.com' });
    custom.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PUBLIC_URL: 'https://login.example.com' }) },
    });
  });

  it('validates props early with the offending value', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(
      () => new LoginStack(app, 'Bad1', { service: { allowedRedirectOrigins: ['http://app.example.com'] } }),
    ).toThrow(/https origins.*http:\/\/app\.example\.com/);
    expect(() => new LoginStack(app, 'Bad2', { service: { sessionTtl: Duration.seconds(5) } })).toThrow(
      /at least 60 s, got 5/,
    );
    expect(
      () => new LoginStack(app, 'Bad3', { service: { throttlingRateLimit: 100, throttlingBurstLimit: 10 } }),
    ).toThrow(/burstLimit >= rateLimit/);
    expect(() => new LoginStack(app, 'Bad4', { service: { clientSecretPrefix: 'no-slash' } })).toThrow(
      /ending in "\/", got "no-slash"/,
    );
  });

  it('passes the cdk-nag AwsSolutions checks with every exception acknowledged with a reason', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new LoginStack(app, 'Nag');
    acknowledgeNagFindings(stack, stack.service);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('fails cdk-nag when an acknowledgment is missing (the check is real)', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new LoginStack(app, 'NagBare');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow();
  });

  it('attaches the session authorizer to the app’s own routes given as props', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'AppWithRoutes');
    const handler = new LambdaFunction(stack, 'Projects', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = async () => ({ statusCode: 200 })'),
    });
    new LoginService(stack, 'Login', {
      protectedRoutes: [{ path: '/api/projects/{id}', method: HttpMethod.GET, handler }],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /api/projects/{id}',
      AuthorizationType: 'CUSTOM',
    });
  });

  it('is importable as one construct by another app', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new LoginStack(app, 'Host');
    expect(stack.service).toBeInstanceOf(LoginService);
    expect(stack.service.api).toBeDefined();
  });
});
