import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthStack } from './support.ts';

describe('Construct: LoginService table', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStack().template;
  });

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

  it('is destroyed, with its logs, only with removalPolicy DESTROY', () => {
    const dev = synthStack({ service: { removalPolicy: RemovalPolicy.DESTROY } }).template;
    dev.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] }),
    });
    for (const group of Object.values(dev.findResources('AWS::Logs::LogGroup'))) {
      expect(group).toMatchObject({ DeletionPolicy: 'Delete' });
    }
    // RETAIN given explicitly is the default.
    expect(synthStack({ service: { removalPolicy: RemovalPolicy.RETAIN } }).template.toJSON()).toEqual(
      template.toJSON(),
    );
  });
});

describe('Logical ids of the stateful resources', () => {
  // What a deployed stack has (infra/README.md, "What a deployed stack sees when upgrading"): a
  // new logical id makes CloudFormation create a new resource, and the data or logs stay
  // behind in the old one (the table and log groups are retained, the state key deleted).
  // A refactor that changes one of these must say so in the README and migrate deliberately.
  const STATEFUL = {
    'AWS::DynamoDB::GlobalTable': ['LoginServiceTable30756A92'],
    'AWS::SecretsManager::Secret': ['LoginServiceSecretsStateKey81D00222'],
    'AWS::Logs::LogGroup': [
      'LoginServiceLoginFunctionLogs7E5B1162',
      'LoginServiceSessionFunctionLogs360D4B4C',
      // Added with the setup link's function (issue 17): a new resource, nothing replaced.
      'LoginServiceSetupFunctionLogsA1C05072',
      'LoginServiceHealthFunctionLogs3BF93338',
      'LoginServiceWhoamiFunctionLogs044A0F15',
      // New with SCIM (nothing existing changes id).
      'LoginServiceScimFunctionLogs203CDABD',
      'LoginServiceAuthorizerFunctionLogsA8345FB0',
      'LoginServiceHttpAccessLogs6234A352',
    ],
  };

  it.each([
    ['the default stack', {}],
    ['a development stack', { service: { removalPolicy: RemovalPolicy.DESTROY } }],
    [
      'a stack with tracing and a custom domain',
      {
        service: { tracing: true },
        customDomain: {
          domainName: 'login.example.com',
          certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
        },
      },
    ],
  ] as const)('stay as deployed in %s', (_variant, props) => {
    const { template } = synthStack(props);
    for (const [type, ids] of Object.entries(STATEFUL)) {
      expect(Object.keys(template.findResources(type)).sort(), type).toEqual([...ids].sort());
    }
  });
});
