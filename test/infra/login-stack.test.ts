import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { LoginService, type LoginServiceProps } from '../../infra/login-service.ts';
import { LoginStack } from '../../infra/login-stack.ts';
import { ALARMED_FAILURE_REASONS } from '../../infra/monitoring.ts';
import { acknowledgeNagFindings } from '../../infra/nag-suppressions.ts';
import { readConfig } from '../../shared/config.ts';
import { ROUTES } from '../../shared/routes.ts';
import {
  actionsOf,
  appWithoutBundling,
  dataActions,
  functionsOf,
  type Statement,
  statementsOf,
  synthStack,
} from './support.ts';

const FUNCTION_NAMES = ['Login', 'Session', 'Health', 'Whoami', 'Authorizer'] as const;

describe('Construct: LoginStack', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStack().template;
  });

  describe('functions', () => {
    it('run every function on Node.js 22, arm64, 512 MB, 10 s, without source maps', () => {
      const functions = Object.values(functionsOf(template));
      expect(functions).toHaveLength(FUNCTION_NAMES.length);
      for (const fn of functions) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          MemorySize: 512,
          Timeout: 10,
          Handler: 'index.handler',
          Environment: {
            Variables: {
              POWERTOOLS_SERVICE_NAME: 'okta-login',
              POWERTOOLS_METRICS_NAMESPACE: 'OktaLogin',
              LOG_LEVEL: 'INFO',
              // Off: the code does not even load the tracer.
              POWERTOOLS_TRACE_ENABLED: 'false',
            },
          },
        });
        expect(fn.Properties.TracingConfig).toBeUndefined();
        // Source maps cost cold-start time; they are opt-in.
        expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
      }
    });

    it('give every function an environment that shared/config.ts accepts, with the stack’s values', () => {
      for (const [logicalId, fn] of Object.entries(functionsOf(template))) {
        // CloudFormation references (table name, secret ARN) become placeholders.
        const env = Object.fromEntries(
          Object.entries(fn.Properties.Environment.Variables).map(([key, value]) => [
            key,
            typeof value === 'string' ? value : `resolved-${key}`,
          ]),
        );
        const config = readConfig(env);
        expect(config, logicalId).toMatchObject({
          tableName: 'resolved-TABLE_NAME',
          publicUrl: undefined,
          allowedRedirectOrigins: [],
          defaultRedirectPath: '/',
          sessionTtlSeconds: 8 * 3600,
          sessionIdleSeconds: 3600,
          loginStateTtlSeconds: 600,
          idpTimeoutMs: 5000,
          secretsCacheSeconds: 300,
          auditRetentionDays: 400,
          allowLoopbackIssuers: false,
          dynamoDbEndpoint: undefined,
          stateKey: undefined,
        });
      }
      const [, login] =
        Object.entries(functionsOf(template)).find(([id]) => id.startsWith('LoginServiceLoginFunction')) ?? [];
      expect(login?.Properties.Environment.Variables).toMatchObject({
        CLIENT_SECRET_PREFIX: 'okta-login/client-secret/',
        STATE_KEY_SECRET_ID: { Ref: expect.stringMatching(/^LoginServiceSecretsStateKey/) },
      });
    });

    it('pass props through to the environment and function settings', () => {
      const custom = synthStack({
        service: {
          allowedRedirectOrigins: ['https://app.example.com', 'https://admin.example.com'],
          defaultRedirectPath: '/home',
          sessionTtl: Duration.hours(12),
          sessionIdleTimeout: Duration.seconds(0),
          loginStateTtl: Duration.minutes(5),
          idpTimeout: Duration.seconds(3),
          secretsCacheTtl: Duration.minutes(1),
          functionTimeout: Duration.seconds(15),
          memorySize: 1024,
          tracing: true,
          sourceMaps: true,
          auditRetentionDays: 90,
          hstsPreload: true,
          appCredentials: {
            issuer: 'https://auth.app.example',
            audience: 'api',
            jwksUri: 'https://auth.app.example/jwks',
          },
        },
      }).template;
      for (const fn of Object.values(functionsOf(custom))) {
        expect(fn.Properties).toMatchObject({ MemorySize: 1024, Timeout: 15, TracingConfig: { Mode: 'Active' } });
        expect(fn.Properties.Environment.Variables).toMatchObject({
          ALLOWED_REDIRECT_ORIGINS: 'https://app.example.com,https://admin.example.com',
          DEFAULT_REDIRECT_PATH: '/home',
          SESSION_TTL_SECONDS: '43200',
          SESSION_IDLE_TIMEOUT_SECONDS: '0',
          LOGIN_STATE_TTL_SECONDS: '300',
          IDP_TIMEOUT_MS: '3000',
          SECRETS_CACHE_SECONDS: '60',
          AUDIT_RETENTION_DAYS: '90',
          NODE_OPTIONS: '--enable-source-maps',
          HSTS_PRELOAD: 'true',
          // X-Ray on the function and, through Powertools Tracer, on every SDK call it makes.
          POWERTOOLS_TRACE_ENABLED: 'true',
        });
      }
      // Only the authorizer verifies app credentials.
      const withAppCredentials = Object.entries(functionsOf(custom))
        .filter(([, fn]) => fn.Properties.Environment.Variables.APP_CREDENTIAL_ISSUER)
        .map(([id]) => id);
      expect(withAppCredentials).toEqual([expect.stringMatching(/AuthorizerFunction/)]);
    });

    it('leaves HSTS preload and app credentials off by default', () => {
      for (const fn of Object.values(functionsOf(template))) {
        expect(fn.Properties.Environment.Variables.HSTS_PRELOAD).toBe('false');
        expect(fn.Properties.Environment.Variables.APP_CREDENTIAL_ISSUER).toBeUndefined();
      }
    });
  });

  describe('logs', () => {
    it('keep every log group for a month and retain it by default', () => {
      const groups = template.findResources('AWS::Logs::LogGroup');
      expect(Object.keys(groups)).toHaveLength(FUNCTION_NAMES.length + 1); // + API access logs
      for (const group of Object.values(groups)) {
        expect(group).toMatchObject({ DeletionPolicy: 'Retain', Properties: { RetentionInDays: 30 } });
      }
      for (const fn of Object.values(functionsOf(template))) {
        expect(fn.Properties.LoggingConfig).toMatchObject({ LogGroup: { Ref: expect.stringMatching(/FunctionLogs/) } });
      }
    });

    it('use the logRetention prop', () => {
      const custom = synthStack({ service: { logRetention: RetentionDays.ONE_YEAR } }).template;
      for (const group of Object.values(custom.findResources('AWS::Logs::LogGroup'))) {
        expect(group).toMatchObject({ Properties: { RetentionInDays: 365 } });
      }
    });
  });

  describe('table', () => {
    it('is one on-demand table with the code’s keys, TTL, PITR, deletion protection and RETAIN', () => {
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
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
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
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        GlobalSecondaryIndexes: Match.absent(),
      });
    });

    it('is destroyed, with its logs, only in a dev stack', () => {
      const dev = synthStack({ service: { dev: true } }).template;
      dev.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Delete',
        Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] }),
      });
      for (const group of Object.values(dev.findResources('AWS::Logs::LogGroup'))) {
        expect(group).toMatchObject({ DeletionPolicy: 'Delete' });
      }
    });
  });

  describe('HTTP API', () => {
    it('serves exactly the routes of shared/routes.ts with payload 2.0 integrations', () => {
      const keys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
        (route) => (route as { Properties: { RouteKey: string } }).Properties.RouteKey,
      );
      expect(keys.sort()).toEqual(ROUTES.map((route) => route.routeKey).sort());
      const integrations = Object.values(template.findResources('AWS::ApiGatewayV2::Integration'));
      expect(integrations).toHaveLength(new Set(ROUTES.map((route) => route.function)).size);
      for (const integration of integrations) {
        expect(integration).toMatchObject({
          Properties: { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' },
        });
      }
    });

    it('protects only the authorized routes, with an uncached simple-response authorizer', () => {
      for (const route of ROUTES) {
        template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: route.routeKey,
          AuthorizationType: route.authorized ? 'CUSTOM' : 'NONE',
        });
      }
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'REQUEST',
        EnableSimpleResponses: true,
        AuthorizerPayloadFormatVersion: '2.0',
        IdentitySource: [],
        // No identity source to key a cache on: a cached decision would be shared by every caller.
        AuthorizerResultTtlInSeconds: 0,
      });
    });

    it('throttles the default stage and writes access logs without query strings', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
        AccessLogSettings: Match.objectLike({ Format: Match.stringLikeRegexp('"status":"\\$context.status"') }),
      });
      const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
      expect(JSON.stringify(stage)).not.toMatch(/querystring|cookie|header\./i);
    });

    it('uses the throttling props', () => {
      synthStack({ service: { throttlingRateLimit: 50, throttlingBurstLimit: 75 } }).template.hasResourceProperties(
        'AWS::ApiGatewayV2::Stage',
        { DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 75 } },
      );
    });

    it('serves a custom domain when given, sets PUBLIC_URL to it and outputs the DNS target', () => {
      const custom = synthStack({
        customDomain: {
          domainName: 'login.example.com',
          certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
        },
      }).template;
      custom.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
        DomainName: 'login.example.com',
        DomainNameConfigurations: [
          Match.objectLike({ CertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' }),
        ],
      });
      custom.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
      for (const fn of Object.values(functionsOf(custom))) {
        expect(fn.Properties.Environment.Variables.PUBLIC_URL).toBe('https://login.example.com');
      }
      const outputs = custom.findOutputs('*');
      expect(outputs.ApiUrl?.Value).toBe('https://login.example.com');
      expect(outputs.LoginUriPattern?.Value).toBe('https://login.example.com/t/<tenant>/login');
      expect(outputs.CustomDomainTarget).toBeDefined();
    });

    it('has no custom domain by default', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
      expect(template.findOutputs('CustomDomainTarget')).toEqual({});
    });
  });

  describe('IAM', () => {
    const dataActionsOf = (fn: string) => dataActions(statementsOf(template, `LoginService${fn}FunctionRole`));

    it('grants each function only the table actions and secrets its code uses', () => {
      expect(dataActionsOf('Login')).toEqual(
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
      expect(dataActionsOf('Session')).toEqual(
        [
          'dynamodb:BatchGetItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
        ].sort(),
      );
      expect(dataActionsOf('Authorizer')).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem']);
      expect(dataActionsOf('Health')).toEqual([]);
      expect(dataActionsOf('Whoami')).toEqual([]);
    });

    it('scopes table actions to the table and secrets to the state key and the tenant prefix', () => {
      const login = statementsOf(template, 'LoginServiceLoginFunctionRole');
      const resourcesFor = (prefix: string) =>
        login.filter((s) => actionsOf(s).some((a) => a.startsWith(prefix))).map((s) => s.Resource);
      expect(resourcesFor('dynamodb:')).toEqual([
        { 'Fn::GetAtt': [expect.stringMatching(/^LoginServiceTable/), 'Arn'] },
      ]);
      const secrets = JSON.stringify(resourcesFor('secretsmanager:'));
      expect(secrets).toContain('LoginServiceSecretsStateKey');
      expect(secrets).toContain(':secret:okta-login/client-secret/*');
    });

    it('lets each function write only to its own log group, with no managed policies', () => {
      for (const name of FUNCTION_NAMES) {
        const logs = statementsOf(template, `LoginService${name}FunctionRole`).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('logs:')),
        );
        expect(logs, name).toEqual([
          {
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^LoginService${name}FunctionLogs`)), 'Arn'] },
          },
        ]);
      }
      for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
        expect((role as { Properties: Record<string, unknown> }).Properties.ManagedPolicyArns).toBeUndefined();
      }
    });

    it('never allows a "*" action, nor "*" resources for data services', () => {
      const check = (statements: Statement[]) => {
        for (const statement of statements) {
          const actions = actionsOf(statement);
          expect(actions.some((action) => action === '*' || action.endsWith(':*'))).toBe(false);
          if (actions.some((action) => /^(dynamodb|secretsmanager|kms|logs):/.test(action))) {
            expect(JSON.stringify(statement.Resource)).not.toBe('"*"');
          }
        }
      };
      check(statementsOf(template));
      // With tracing, X-Ray (and only X-Ray) needs "*".
      const traced = statementsOf(synthStack({ service: { tracing: true } }).template);
      check(traced);
      const starred = traced.filter((s) => JSON.stringify(s.Resource) === '"*"').flatMap(actionsOf);
      expect(new Set(starred)).toEqual(new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']));
    });
  });

  describe('secrets', () => {
    it('generates the login-state key in Secrets Manager (never in the template)', () => {
      template.resourceCountIs('AWS::SecretsManager::Secret', 1);
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
        SecretString: Match.absent(),
      });
    });

    it('uses the clientSecretPrefix prop in the grant, the environment and the output', () => {
      const custom = synthStack({ service: { clientSecretPrefix: 'acme/okta/' } }).template;
      expect(JSON.stringify(statementsOf(custom, 'LoginServiceLoginFunctionRole'))).toContain(':secret:acme/okta/*');
      expect(custom.findOutputs('ClientSecretPrefix').ClientSecretPrefix?.Value).toBe('acme/okta/');
    });
  });

  describe('alarms', () => {
    type AlarmResource = {
      Properties: { AlarmDescription: string; MetricName?: string; AlarmActions?: unknown[]; Threshold: number };
    };
    const alarmsOf = (t: Template) => Object.values(t.findResources('AWS::CloudWatch::Alarm')) as AlarmResource[];

    it('alarm on the API 5xx rate and every function’s errors and throttles', () => {
      const descriptions = alarmsOf(template).map((alarm) => alarm.Properties.AlarmDescription);
      expect(descriptions).toContain('More than 5% of requests failed with a 5xx in 5 minutes.');
      for (const fn of ['login', 'session', 'health', 'whoami', 'authorizer']) {
        expect(descriptions).toContain(`${fn} function errors.`);
        expect(descriptions).toContain(`${fn} function throttled.`);
      }
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: Match.stringLikeRegexp('errors / requests') }),
          Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: '5xx' }) }) }),
        ]),
      });
    });

    it('alarm on LoginFailure in total and for each dependency reason, as the code emits it', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'LoginFailure',
        Namespace: 'OktaLogin',
        Statistic: 'Sum',
        Dimensions: [{ Name: 'service', Value: 'okta-login' }],
        Threshold: 25,
      });
      for (const reason of ALARMED_FAILURE_REASONS) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: 'LoginFailure',
          Namespace: 'OktaLogin',
          Dimensions: Match.arrayWith([{ Name: 'reason', Value: reason }]),
        });
      }
    });

    it('have no actions by default and notify the alarm topic when given', () => {
      expect(alarmsOf(template).every((alarm) => alarm.Properties.AlarmActions === undefined)).toBe(true);
      const topicArn = 'arn:aws:sns:us-east-1:123456789012:ops';
      const alarms = alarmsOf(synthStack({ alarmTopicArn: topicArn }).template);
      expect(alarms.length).toBeGreaterThan(0);
      for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([topicArn]);
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
    expect(JSON.stringify(outputs.LoginUriPattern?.Value)).toContain('/t/<tenant>/login');
    expect(JSON.stringify(outputs.CallbackUriPattern?.Value)).toContain('/t/<tenant>/callback');
    expect(outputs.ClientSecretPrefix?.Value).toBe('okta-login/client-secret/');
    expect(outputs.TableName?.Value).toEqual({ Ref: expect.stringMatching(/^LoginServiceTable/) });
  });

  describe('prop validation', () => {
    const build = (service: LoginServiceProps) => () => new LoginStack(appWithoutBundling(), 'Bad', { service });

    it.each<[string, LoginServiceProps, RegExp]>([
      [
        'http origin',
        { allowedRedirectOrigins: ['http://app.example.com'] },
        /https origins.*"http:\/\/app\.example\.com"/,
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
    ])('rejects %s with the offending value', (_case, service, message) => {
      expect(build(service)).toThrow(message);
    });

    it('rejects a custom domain that is not a host name', () => {
      expect(
        () =>
          new LoginStack(appWithoutBundling(), 'BadDomain', {
            customDomain: {
              domainName: 'https://login.example.com',
              certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
            },
          }),
      ).toThrow(/host name like login\.example\.com, got "https:\/\/login\.example\.com"/);
    });

    it('rejects an app route that does not start with "/"', () => {
      const stack = new Stack(appWithoutBundling(), 'BadRoute');
      const handler = new LambdaFunction(stack, 'Fn', {
        runtime: Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: Code.fromInline('export const handler = async () => ({})'),
      });
      expect(
        () => new LoginService(stack, 'Login', { protectedRoutes: [{ path: 'api', method: HttpMethod.GET, handler }] }),
      ).toThrow(/start with "\/", got "api"/);
    });
  });

  describe('cdk-nag AwsSolutions', () => {
    const violations = (stack: Stack) =>
      new AwsSolutionsChecks().validateScope(stack).violations.map((violation) => violation.ruleName);

    it.each([false, true])('has no unacknowledged finding (tracing and dev: %s)', (variant) => {
      const { stack } = synthStack({ service: { tracing: variant, dev: variant } }, 'Nag');
      acknowledgeNagFindings(stack.service);
      expect(violations(stack)).toEqual([]);
    });

    it('finds the acknowledged exceptions when they are not acknowledged (the check is real)', () => {
      const { stack } = synthStack({}, 'NagBare');
      expect(violations(stack).sort()).toEqual(
        [
          'AwsSolutions-APIG4',
          'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:okta-login/client-secret/*]',
          'AwsSolutions-L1',
          'AwsSolutions-SMG4',
        ].sort(),
      );
    });

    it('passes as a synth-time validation plugin, as the app runs it', () => {
      const app = appWithoutBundling();
      const stack = new LoginStack(app, 'NagPlugin', {
        customDomain: {
          domainName: 'login.example.com',
          certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
        },
      });
      acknowledgeNagFindings(stack.service);
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      expect(() => app.synth()).not.toThrow();
    });
  });

  describe('as a construct in another app', () => {
    it('attaches the session authorizer to the app’s own routes given as props', () => {
      const stack = new Stack(appWithoutBundling(), 'AppWithRoutes');
      const handler = new LambdaFunction(stack, 'Projects', {
        runtime: Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: Code.fromInline('export const handler = async () => ({ statusCode: 200 })'),
      });
      const service = new LoginService(stack, 'Login', {
        protectedRoutes: [{ path: '/api/projects/{id}', method: HttpMethod.GET, handler }],
      });
      expect(service.api).toBe(service.httpApi.api);
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: 'GET /api/projects/{id}',
        AuthorizationType: 'CUSTOM',
      });
    });
  });
});
