import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, dataActions, FUNCTION_NAMES, type Statement, statementsOf, synthStack } from './support.ts';

describe('Construct: LoginService IAM', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStack().template;
  });
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
    expect(dataActionsOf('UniversalLogout')).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query', // the table: a tenant's users, for an email subject
        'dynamodb:Query', // the user-sessions index
        'dynamodb:UpdateItem',
      ].sort(),
    );
    expect(dataActionsOf('Authorizer')).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(dataActionsOf('Setup')).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'secretsmanager:CreateSecret',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:RestoreSecret',
      ].sort(),
    );
    // The key set and discovery: the public key item only (the condition: session-keys.test.ts).
    expect(dataActionsOf('PublicKeys')).toEqual(['dynamodb:GetItem']);
    // The session check of /me, plus the private signing keys.
    expect(dataActionsOf('SessionToken')).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
      ].sort(),
    );
    expect(dataActionsOf('KeyRotation')).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
      ].sort(),
    );
    expect(dataActionsOf('Health')).toEqual([]);
    expect(dataActionsOf('Whoami')).toEqual([]);
    // SCIM: no secrets, and no Scan: lookups are keyed items, listings query the tenant's partition.
    expect(dataActionsOf('Scim')).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ].sort(),
    );
  });

  it('scopes table actions to the table and secrets to the state key and the tenant prefix', () => {
    const login = statementsOf(template, 'LoginServiceLoginFunctionRole');
    const resourcesFor = (prefix: string) =>
      login.filter((s) => actionsOf(s).some((a) => a.startsWith(prefix))).map((s) => s.Resource);
    expect(resourcesFor('dynamodb:')).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^LoginServiceTable/), 'Arn'] }]);
    const secrets = JSON.stringify(resourcesFor('secretsmanager:'));
    expect(secrets).toContain('LoginServiceSecretsStateKey');
    expect(secrets).toContain(':secret:okta-login/client-secret/*');
  });

  it('lets the setup function write tenants’ client secrets under the prefix, read only the state key, and delete nothing', () => {
    const setup = statementsOf(template, 'LoginServiceSetupFunctionRole');
    const resourcesFor = (action: string) =>
      JSON.stringify(setup.filter((s) => actionsOf(s).includes(action)).map((s) => s.Resource));
    for (const write of [
      'secretsmanager:PutSecretValue',
      'secretsmanager:CreateSecret',
      'secretsmanager:RestoreSecret',
    ]) {
      expect(resourcesFor(write)).toContain(':secret:okta-login/client-secret/*');
      expect(resourcesFor(write)).not.toContain('StateKey');
    }
    // Reads: the state key only (the test sign-in seals a login state), never a client secret.
    expect(resourcesFor('secretsmanager:GetSecretValue')).toContain('LoginServiceSecretsStateKey');
    expect(resourcesFor('secretsmanager:GetSecretValue')).not.toContain('client-secret');
    // Restore (under the prefix, above) only brings a re-invited tenant's old secret back to be overwritten.
    expect(setup.flatMap(actionsOf).filter((action) => /Delete|Rotate/.test(action))).toEqual([]);
    const table = setup.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:'))).map((s) => s.Resource);
    expect(table).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^LoginServiceTable/), 'Arn'] }]);
  });

  it('lets only Universal Logout query the user-sessions index, and no function use any other index', () => {
    const indexArn = {
      'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^LoginServiceTable/), 'Arn'] }, '/index/userSessions']],
    };
    for (const name of FUNCTION_NAMES) {
      const statements = statementsOf(template, `LoginService${name}FunctionRole`);
      const onIndexes = statements.filter((s) => JSON.stringify(s.Resource).includes('/index/'));
      if (name === 'UniversalLogout') {
        expect(onIndexes).toEqual([{ Action: 'dynamodb:Query', Effect: 'Allow', Resource: indexArn }]);
      } else {
        expect(onIndexes, name).toEqual([]);
      }
      // Everything else on the table is on the table's own ARN: never `<table>/index/*`.
      expect(JSON.stringify(statements)).not.toContain('/index/*');
    }
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
