import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { closeDocumentClient, createDocumentClient } from '../../shared/adapters/dynamodb/client.ts';
import { ensureTable } from '../../shared/adapters/dynamodb/table.ts';
import { USER_SESSIONS_INDEX } from '../../shared/adapters/dynamodb/table-schema.ts';
import { synthStack } from './support.ts';

/**
 * A table as the local stack creates it in DynamoDB Local; with `before`, as
 * `ensureTable` leaves a table that `before` created first (e.g. a `.local-data/`
 * table from before the index).
 */
async function describeLocalTable(before?: (client: DynamoDBDocumentClient, tableName: string) => Promise<unknown>) {
  const client = createDocumentClient({ endpoint: inject('dynamoDbEndpoint') });
  try {
    const tableName = `infra-${randomUUID()}`;
    await before?.(client, tableName);
    await ensureTable(client, tableName);
    return await client.send(new DescribeTableCommand({ TableName: tableName }));
  } finally {
    closeDocumentClient(client);
  }
}

describe('Construct: LoginService table', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStack().template;
  });

  it('is one on-demand table with the code’s keys, its one index, TTL, PITR, deletion protection and RETAIN', () => {
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
          { AttributeName: 'userSessions', AttributeType: 'S' },
          { AttributeName: 'expiresAt', AttributeType: 'N' },
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
    // A user's sessions, for Universal Logout's count: sparse (session items only), keys only, by expiry.
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: [
        {
          IndexName: USER_SESSIONS_INDEX.indexName,
          KeySchema: [
            { AttributeName: 'userSessions', KeyType: 'HASH' },
            { AttributeName: 'expiresAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
  });

  it('declares the index as the local launcher creates it, also on a local table made before it', async () => {
    // The same names the DynamoDB Local table is created with (ensureTable) and the adapter queries.
    expect(USER_SESSIONS_INDEX).toEqual({
      indexName: 'userSessions',
      partitionKey: 'userSessions',
      sortKey: 'expiresAt',
    });
    const expected = [
      [
        'userSessions',
        [
          { AttributeName: 'userSessions', KeyType: 'HASH' },
          { AttributeName: 'expiresAt', KeyType: 'RANGE' },
        ],
        { ProjectionType: 'KEYS_ONLY' },
        'ACTIVE',
      ],
    ];
    const indexes = (table: Awaited<ReturnType<typeof describeLocalTable>>) =>
      table.Table?.GlobalSecondaryIndexes?.map((index) => [
        index.IndexName,
        index.KeySchema,
        index.Projection,
        index.IndexStatus,
      ]);
    expect(indexes(await describeLocalTable())).toEqual(expected);
    const withoutIndex = (client: DynamoDBDocumentClient, tableName: string) =>
      client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
        }),
      );
    expect(indexes(await describeLocalTable(withoutIndex))).toEqual(expected);
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
  // (Universal Logout added a log group and an index on the table: additions, the table keeps its id.)
  const STATEFUL = {
    'AWS::DynamoDB::GlobalTable': ['LoginServiceTable30756A92'],
    'AWS::SecretsManager::Secret': [
      'LoginServiceSecretsStateKey81D00222',
      // New with session tokens: the private signing keys (a new id would mean a new, empty key set).
      'LoginServiceSigningKeysPrivateKeys4C6842C8',
    ],
    'AWS::Logs::LogGroup': [
      'LoginServiceLoginFunctionLogs7E5B1162',
      'LoginServiceSessionFunctionLogs360D4B4C',
      // Added with the setup link's function (issue 17): a new resource, nothing replaced.
      'LoginServiceSetupFunctionLogsA1C05072',
      'LoginServiceUniversalLogoutFunctionLogsB3322EE9',
      'LoginServiceHealthFunctionLogs3BF93338',
      'LoginServiceWhoamiFunctionLogs044A0F15',
      // New with SCIM (nothing existing changes id).
      'LoginServiceScimFunctionLogs203CDABD',
      // New with session tokens (nothing existing changes id).
      'LoginServicePublicKeysFunctionLogs15A57735',
      'LoginServiceSessionTokenFunctionLogs0DBF379E',
      'LoginServiceKeyRotationFunctionLogs08DAAB19',
      'LoginServiceSigningKeysProviderLogsCACC2B14',
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
