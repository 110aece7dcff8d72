import { Duration, Errors, RemovalPolicy } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SIGNING_KEYS_PARTITION } from '../../infra/session-keys.ts';
import { keys } from '../../shared/adapters/dynamodb/table-schema.ts';
import { ROUTES } from '../../shared/routes.ts';
import {
  actionsOf,
  FUNCTION_NAMES,
  functionsOf,
  providerFunctionsOf,
  type Statement,
  statementsOf,
  synthStack,
} from './support.ts';

type Resource = { Properties: Record<string, unknown>; DependsOn?: string[]; DeletionPolicy?: string };

const resourcesOf = (template: Template, type: string) =>
  Object.entries(template.findResources(type)) as Array<[string, Resource]>;

/** The one resource of `type` whose logical id starts with `prefix`. */
function only(template: Template, type: string, prefix: string): [string, Resource] {
  const found = resourcesOf(template, type).filter(([id]) => id.startsWith(prefix));
  expect(found, `${type} ${prefix}`).toHaveLength(1);
  return found[0] as [string, Resource];
}

/** Logical id (less its hash) of a function's environment variable value, e.g. the secret's. */
const envOf = (template: Template, name: string) => {
  const [, fn] =
    Object.entries(functionsOf(template)).find(([id]) => id.startsWith(`LoginService${name}Function`)) ?? [];
  return fn?.Properties.Environment.Variables ?? {};
};

describe('Construct: SessionSigningKeys (session token keys)', () => {
  let template: Template;
  let secretId: string;
  beforeAll(() => {
    template = synthStack().template;
    [secretId] = only(template, 'AWS::SecretsManager::Secret', 'LoginServiceSigningKeysPrivateKeys');
  });

  /** Statements of every role that mention the private key secret. */
  const onSecret = (statements: Statement[]) =>
    statements.filter((statement) => JSON.stringify(statement.Resource).includes(secretId));

  it('keeps the private keys in a secret created empty: no key, no generated value in the template', () => {
    const [, secret] = only(template, 'AWS::SecretsManager::Secret', 'LoginServiceSigningKeysPrivateKeys');
    // No SecretString and no GenerateSecretString: CloudFormation creates an empty secret, and the
    // first value is the key set the rotation function generates in Lambda.
    expect(Object.keys(secret.Properties)).toEqual(['Description']);
    // Kept with the table (which keeps the public half), unless the stack is a dev stack.
    expect(secret.DeletionPolicy).toBe('Retain');
    const dev = synthStack({ service: { removalPolicy: RemovalPolicy.DESTROY } }).template;
    expect(only(dev, 'AWS::SecretsManager::Secret', 'LoginServiceSigningKeysPrivateKeys')[1].DeletionPolicy).toBe(
      'Delete',
    );
    // Nothing that looks like key material anywhere in the template.
    expect(JSON.stringify(template.toJSON())).not.toMatch(/BEGIN (RSA )?PRIVATE KEY|"d":"|privateJwk/);
  });

  it('lets only the token function and the rotation read the private keys, and only the rotation write them', () => {
    const readers: string[] = [];
    const writers: string[] = [];
    for (const name of FUNCTION_NAMES) {
      const statements = onSecret(statementsOf(template, `LoginService${name}FunctionRole`));
      const actions = statements.flatMap(actionsOf);
      if (actions.includes('secretsmanager:GetSecretValue')) readers.push(name);
      if (actions.some((action) => /Put|Update|Create|Delete|Rotate/.test(action))) writers.push(name);
    }
    expect(readers.sort()).toEqual(['KeyRotation', 'SessionToken']);
    expect(writers).toEqual(['KeyRotation']);
    expect(onSecret(statementsOf(template, 'LoginServiceKeyRotationFunctionRole')).flatMap(actionsOf).sort()).toEqual(
      ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'].sort(),
    );
    // No other role of the stack (the provider framework's, the API's...) touches the secret.
    const allRoles = statementsOf(template);
    const functionRoles = FUNCTION_NAMES.flatMap((name) => statementsOf(template, `LoginService${name}FunctionRole`));
    expect(onSecret(allRoles)).toEqual(onSecret(functionRoles));
    // The key-set function reads no secret at all.
    const publicKeys = statementsOf(template, 'LoginServicePublicKeysFunctionRole').flatMap(actionsOf);
    expect(publicKeys.filter((action) => action.startsWith('secretsmanager:'))).toEqual([]);
  });

  it('limits the key-set function and the rotation to the SIGNING_KEYS partition of the table', () => {
    expect(SIGNING_KEYS_PARTITION).toBe(keys.publicSigningKeys().pk);
    const condition = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SIGNING_KEYS'] } };
    const table = { 'Fn::GetAtt': [expect.stringMatching(/^LoginServiceTable/), 'Arn'] };
    const tableStatements = (name: string) =>
      statementsOf(template, `LoginService${name}FunctionRole`).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('dynamodb:')),
      );
    expect(tableStatements('PublicKeys')).toEqual([
      { Action: 'dynamodb:GetItem', Condition: condition, Effect: 'Allow', Resource: table },
    ]);
    expect(tableStatements('KeyRotation')).toEqual([
      {
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Condition: condition,
        Effect: 'Allow',
        Resource: table,
      },
    ]);
    // The token function reads the public key item in the session check's one BatchGetItem.
    expect(tableStatements('SessionToken')).toEqual([
      {
        Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Effect: 'Allow',
        Resource: table,
      },
    ]);
  });

  it('creates the first key set at deploy with the rotation function, through a custom resource', () => {
    const [, resource] = only(template, 'Custom::SessionSigningKeys', 'LoginServiceSigningKeysInitialKeys');
    const [frameworkId, framework] = Object.entries(providerFunctionsOf(template))[0] ?? [];
    expect(resource.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [frameworkId, 'Arn'] },
      Purpose: 'ensure-key-set',
    });
    // The framework calls our rotation function, nothing else.
    const [rotationId] = only(template, 'AWS::Lambda::Function', 'LoginServiceKeyRotationFunction');
    expect(framework?.Properties).toMatchObject({
      Handler: 'framework.onEvent',
      Environment: { Variables: { USER_ON_EVENT_FUNCTION_ARN: { 'Fn::GetAtt': [rotationId, 'Arn'] } } },
      LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/^LoginServiceSigningKeysProviderLogs/) } },
    });
    // After the secret and the rotation's grants exist.
    expect(resource.DependsOn).toEqual(
      expect.arrayContaining([secretId, expect.stringMatching(/^LoginServiceKeyRotationFunctionRoleDefaultPolicy/)]),
    );
    // The framework's role: its own log group, and invoking (and describing) the rotation function.
    const provider = statementsOf(template, 'LoginServiceSigningKeysProviderRole');
    expect(provider.flatMap(actionsOf).sort()).toEqual(
      ['lambda:GetFunction', 'lambda:InvokeFunction', 'logs:CreateLogStream', 'logs:PutLogEvents'].sort(),
    );
    for (const statement of provider.filter((s) => actionsOf(s).some((a) => a.startsWith('lambda:')))) {
      expect(JSON.stringify(statement.Resource)).toContain(rotationId);
    }
  });

  it('runs the rotation daily on an EventBridge schedule, with retries', () => {
    const [ruleId, rule] = only(template, 'AWS::Events::Rule', 'LoginServiceSigningKeysRotationSchedule');
    const [rotationId] = only(template, 'AWS::Lambda::Function', 'LoginServiceKeyRotationFunction');
    expect(rule.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
      Targets: [{ Arn: { 'Fn::GetAtt': [rotationId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } }],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [rotationId, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
  });

  it('gives the token, key-set and rotation functions their environment', () => {
    const secretRef = { Ref: secretId };
    const apiEndpoint = { 'Fn::GetAtt': [expect.stringMatching(/^LoginServiceHttpApi/), 'ApiEndpoint'] };
    expect(envOf(template, 'SessionToken')).toMatchObject({
      SIGNING_KEYS_SECRET_ID: secretRef,
      SESSION_TOKEN_TTL_SECONDS: '300',
      APP_ORIGINS: '',
      // Without a custom domain the tokens' `iss` is the API's default endpoint.
      PUBLIC_URL: apiEndpoint,
    });
    expect(envOf(template, 'PublicKeys')).toMatchObject({ PUBLIC_URL: apiEndpoint, TABLE_NAME: expect.anything() });
    expect(envOf(template, 'PublicKeys').SIGNING_KEYS_SECRET_ID).toBeUndefined();
    expect(envOf(template, 'KeyRotation')).toMatchObject({
      SIGNING_KEYS_SECRET_ID: secretRef,
      SESSION_TOKEN_TTL_SECONDS: '300',
      SIGNING_KEY_ROTATION_DAYS: '30',
      SIGNING_KEY_PUBLICATION_DELAY_SECONDS: '7500',
      SECRETS_CACHE_SECONDS: '300',
    });
    // Only these two know the secret's id.
    const withSecret = Object.entries(functionsOf(template))
      .filter(([, fn]) => fn.Properties.Environment.Variables.SIGNING_KEYS_SECRET_ID !== undefined)
      .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''));
    expect(withSecret.sort()).toEqual(['LoginServiceKeyRotationFunction', 'LoginServiceSessionTokenFunction']);
  });

  it('uses the custom domain as the issuer, and the key props', () => {
    const { template: custom, stack } = synthStack({
      customDomain: {
        domainName: 'login.example.com',
        certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/x',
      },
      service: {
        appAudience: 'urn:example:app',
        sessionTokenTtl: Duration.minutes(10),
        signingKeyRotation: Duration.days(7),
        signingKeyPublicationDelay: Duration.hours(3),
      },
    });
    expect(stack.service.issuer).toBe('https://login.example.com');
    expect(envOf(custom, 'SessionToken')).toMatchObject({
      PUBLIC_URL: 'https://login.example.com',
      APP_AUDIENCE: 'urn:example:app',
      SESSION_TOKEN_TTL_SECONDS: '600',
    });
    expect(envOf(custom, 'PublicKeys')).toMatchObject({ PUBLIC_URL: 'https://login.example.com' });
    expect(envOf(custom, 'KeyRotation')).toMatchObject({
      SESSION_TOKEN_TTL_SECONDS: '600',
      SIGNING_KEY_ROTATION_DAYS: '7',
      SIGNING_KEY_PUBLICATION_DELAY_SECONDS: '10800',
    });
    const outputs = custom.findOutputs('*');
    expect(outputs.JwksUri?.Value).toBe('https://login.example.com/.well-known/jwks.json');
    expect(outputs.SessionTokenUri?.Value).toBe('https://login.example.com/session/token');
    expect(outputs.SessionTokenIssuer?.Value).toBe('https://login.example.com');
  });

  it('outputs the JWKS and token URIs on the default endpoint, and the secret for the CLI', () => {
    const outputs = template.findOutputs('*');
    const endpoint = { 'Fn::GetAtt': [expect.stringMatching(/^LoginServiceHttpApi/), 'ApiEndpoint'] };
    expect(outputs.JwksUri?.Value).toEqual({ 'Fn::Join': ['', [endpoint, '/.well-known/jwks.json']] });
    expect(outputs.SessionTokenUri?.Value).toEqual({ 'Fn::Join': ['', [endpoint, '/session/token']] });
    expect(outputs.SessionTokenIssuer?.Value).toEqual(endpoint);
    expect(outputs.SigningKeysSecretArn?.Value).toEqual({ Ref: secretId });
    // Each output path is a route of the service.
    const keys = ROUTES.map((route) => route.routeKey);
    expect(keys).toEqual(expect.arrayContaining(['GET /.well-known/jwks.json', 'GET /session/token']));
  });

  it('routes the key set and discovery to the key-set function, the token and its preflight to the token function', () => {
    type RouteResource = { Properties: { RouteKey: string; Target: unknown; AuthorizationType: string } };
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as RouteResource[];
    const route = (key: string) => routes.find((candidate) => candidate.Properties.RouteKey === key);
    const integrationOf = (fn: string) => {
      const [id] = resourcesOf(template, 'AWS::ApiGatewayV2::Integration').find(([, integration]) =>
        JSON.stringify(integration.Properties.IntegrationUri).includes(`LoginService${fn}Function`),
      ) ?? [''];
      return { 'Fn::Join': ['', ['integrations/', { Ref: id }]] };
    };
    for (const key of ['GET /.well-known/jwks.json', 'GET /.well-known/openid-configuration']) {
      expect(route(key)?.Properties, key).toMatchObject({
        Target: integrationOf('PublicKeys'),
        AuthorizationType: 'NONE',
      });
    }
    for (const key of ['GET /session/token', 'OPTIONS /session/token']) {
      expect(route(key)?.Properties, key).toMatchObject({
        Target: integrationOf('SessionToken'),
        AuthorizationType: 'NONE',
      });
    }
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a token lifetime under a minute', { sessionTokenTtl: Duration.seconds(30) }, /sessionTokenTtl .*60.*900.*30/],
    ['a token lifetime over 15 minutes', { sessionTokenTtl: Duration.minutes(20) }, /sessionTokenTtl .*got 20 minutes/],
    [
      'a rotation of 0 days',
      { signingKeyRotation: Duration.days(0) },
      /signingKeyRotation must be an integer from 1 to 365 days, got 0 days/,
    ],
    ['a publication delay over a day', { signingKeyPublicationDelay: Duration.days(2) }, /signingKeyPublicationDelay/],
    ['a relative audience', { appAudience: 'my-app' }, /appAudience must be an absolute URI .*"my-app"/],
  ])('refuses %s at synth, as a CDK ValidationError', (_case, service, message) => {
    let error: unknown;
    try {
      synthStack({ service });
    } catch (caught) {
      error = caught;
    }
    expect((error as Error | undefined)?.message).toMatch(message);
    expect(Errors.isValidationError(error)).toBe(true);
  });
});
