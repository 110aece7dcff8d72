import { existsSync } from 'node:fs';
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { entryOfFunction, functionNameOf, isServiceFunction } from '../../bench/function-entries.ts';
import { repositoryPath } from '../../infra/paths.ts';
import { ServiceFunction } from '../../infra/service-function.ts';
import { readConfig } from '../../shared/config.ts';
import { FUNCTION_ENTRIES } from '../../shared/routes.ts';
import {
  appWithoutBundling,
  FUNCTION_NAMES,
  functionsOf,
  providerFunctionsOf,
  statementsOf,
  synthStack,
} from './support.ts';

describe('Construct: LoginService functions', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStack().template;
  });

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

  it('are each known to the bench by their entry file (a new function cannot stop `npm run bench`)', () => {
    const names = Object.keys(functionsOf(template)).map(functionNameOf).sort();
    expect(names).toEqual(FUNCTION_NAMES.map((name) => name.toLowerCase()).sort());
    for (const name of names) expect(existsSync(repositoryPath(entryOfFunction(name))), name).toBe(true);
    // The bench measures exactly these: every function of the template is ours, but the custom
    // resource framework's (aws-cdk-lib's code, run once per deploy), which it leaves out.
    const all = Object.keys(template.findResources('AWS::Lambda::Function'));
    expect(all.filter(isServiceFunction).sort()).toEqual(Object.keys(functionsOf(template)).sort());
    expect(all.filter((id) => !isServiceFunction(id))).toEqual(Object.keys(providerFunctionsOf(template)));
    expect(Object.keys(providerFunctionsOf(template))).toEqual([
      expect.stringMatching(/^LoginServiceSigningKeysProviderframeworkonEvent/),
    ]);
  });

  it('give every function an environment that shared/config.ts accepts, with the stack’s values', () => {
    for (const [logicalId, fn] of Object.entries(functionsOf(template))) {
      // CloudFormation references (table name, secret ARN, the API's endpoint) become placeholders.
      const placeholders: Record<string, string> = { PUBLIC_URL: 'https://api-id.execute-api.example' };
      const env = Object.fromEntries(
        Object.entries(fn.Properties.Environment.Variables).map(([key, value]) => [
          key,
          typeof value === 'string' ? value : (placeholders[key] ?? `resolved-${key}`),
        ]),
      );
      const config = readConfig(env);
      // Without a custom domain only the token and key-set functions get a PUBLIC_URL (the API's
      // default endpoint, the tokens' `iss`); the others take redirect URIs from the request's host.
      const issues = /^LoginService(PublicKeys|SessionToken)Function/.test(logicalId);
      expect(config.publicUrl, logicalId).toBe(issues ? 'https://api-id.execute-api.example' : undefined);
      expect(config, logicalId).toMatchObject({
        tableName: 'resolved-TABLE_NAME',
        allowedRedirectOrigins: [],
        // Unset, never `/` (our 404): landing falls through to the built-in signed-in page.
        defaultRedirectPath: undefined,
        appUrl: undefined,
        appOrigins: [],
        sessionTtlSeconds: 8 * 3600,
        sessionIdleSeconds: 3600,
        loginStateTtlSeconds: 600,
        idpTimeoutMs: 5000,
        secretsCacheSeconds: 300,
        auditRetentionDays: 400,
        sessionTokenTtlSeconds: 300,
        signingKeyRotationDays: 30,
        signingKeyPublicationDelaySeconds: 7500,
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

  describe('logs', () => {
    it('keep every log group for a month and retain it by default', () => {
      const groups = template.findResources('AWS::Logs::LogGroup');
      // + API access logs, + the custom resource framework's (the first signing keys)
      expect(Object.keys(groups)).toHaveLength(FUNCTION_NAMES.length + 2);
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
});

describe('Construct: ServiceFunction', () => {
  // ServiceFunction on its own, as another app would use it: the role and log group are the caller's.
  const build = (props: Partial<ConstructorParameters<typeof ServiceFunction>[2]> = {}) => {
    const stack = new Stack(appWithoutBundling(), 'Alone');
    const logGroup = new LogGroup(stack, 'Logs');
    const role = new Role(stack, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    const fn = new ServiceFunction(stack, 'Fn', { entry: FUNCTION_ENTRIES.health, role, logGroup, ...props });
    // Before synthesis, which adds the bootstrap version parameter and rule.
    const stackChildren = stack.node.children.map((child) => child.node.id);
    return { stackChildren, fn, template: Template.fromStack(stack) };
  };

  it('runs with the role and log group it is given, and lets the role write only to that log group', () => {
    const { stackChildren, fn, template } = build();
    expect(fn.role?.node.path).toBe('Alone/Role');
    // No child outside its own scope: the stack holds only what the caller created, plus the function.
    expect(stackChildren.sort()).toEqual(['Fn', 'Logs', 'Role'].sort());
    expect(statementsOf(template)).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Logs/), 'Arn'] },
      },
    ]);
    expect(Object.values(functionsOf(template))[0]?.Properties.LoggingConfig).toMatchObject({
      LogGroup: { Ref: expect.stringMatching(/^Logs/) },
      LogFormat: 'Text',
    });
  });

  it('passes the Lambda options it takes from NodejsFunctionProps through', () => {
    const { fn, template } = build({
      description: 'health check',
      reservedConcurrentExecutions: 5,
      memorySize: 256,
      timeout: Duration.seconds(3),
      tracing: Tracing.PASS_THROUGH,
      environment: { LOG_LEVEL: 'DEBUG', EXTRA: 'x' },
    });
    expect(Object.values(functionsOf(template))[0]?.Properties).toMatchObject({
      Description: 'health check',
      ReservedConcurrentExecutions: 5,
      MemorySize: 256,
      Timeout: 3,
      TracingConfig: { Mode: 'PassThrough' },
      Environment: { Variables: { LOG_LEVEL: 'DEBUG', EXTRA: 'x', POWERTOOLS_TRACE_ENABLED: 'true' } },
    });
    // Any X-Ray mode needs the unscoped X-Ray permissions that cdk-nag is told about.
    expect(fn.activeTracing).toBe(true);
  });
});
