/**
 * The stores' typed layer over the SDK's DynamoDBDocumentClient: every
 * operation against DynamoDB Local, transaction cancellation reasons by
 * position and by name, and how real SDK errors (throttling, 5xx, refused
 * connections, silence) reach the stores' error mapping.
 */

import { randomUUID } from 'node:crypto';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { guard, isUnavailable } from '../../shared/adapters/aws-errors.ts';
import {
  cancellationReasons,
  cancellationReasonsByName,
  closeDocumentClient,
  createDocumentClient,
} from '../../shared/adapters/dynamodb/client.ts';
import { ensureTable } from '../../shared/adapters/dynamodb/table.ts';
import { StoreUnavailableError } from '../../shared/errors.ts';
import { fakeAws, type ScriptedAnswer } from '../support/fake-aws.ts';

describe('DynamoDBDocumentClient against DynamoDB Local', () => {
  const tableName = `doc-${randomUUID()}`;
  const client = createDocumentClient({ endpoint: inject('dynamoDbEndpoint') });
  beforeAll(() => ensureTable(client, tableName));
  afterAll(() => closeDocumentClient(client));

  it('round-trips plain values through every operation the stores use', async () => {
    const item = { pk: 'T#1', sk: 'U#1', name: 'Ada', roles: ['admin', 'user'], n: 42, ok: true, gone: undefined };
    await client.send(new PutCommand({ TableName: tableName, Item: item }));
    await client.send(new PutCommand({ TableName: tableName, Item: { pk: 'T#1', sk: 'U#2', name: 'Grace' } }));
    expect((await client.send(new GetCommand({ TableName: tableName, Key: { pk: 'T#1', sk: 'U#1' } }))).Item).toEqual({
      pk: 'T#1',
      sk: 'U#1',
      name: 'Ada',
      roles: ['admin', 'user'],
      n: 42,
      ok: true,
    });
    const updated = await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: 'T#1', sk: 'U#1' },
        UpdateExpression: 'SET n = n + :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(updated.Attributes?.n).toBe(43);
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'T#1' },
        Limit: 1,
      }),
    );
    expect(page.Items).toHaveLength(1);
    expect(page.LastEvaluatedKey).toEqual({ pk: 'T#1', sk: 'U#1' });
    const next = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'T#1' },
        ExclusiveStartKey: page.LastEvaluatedKey,
      }),
    );
    expect(next.Items?.map((entry) => entry.name)).toEqual(['Grace']);
    const batch = await client.send(
      new BatchGetCommand({
        RequestItems: {
          [tableName]: {
            Keys: [
              { pk: 'T#1', sk: 'U#1' },
              { pk: 'T#1', sk: 'U#9' },
            ],
          },
        },
      }),
    );
    expect(batch.Responses?.[tableName]?.map((entry) => entry.name)).toEqual(['Ada']);
    const scanned = await client.send(new ScanCommand({ TableName: tableName }));
    expect(scanned.Items).toHaveLength(2);
    const deleted = await client.send(
      new DeleteCommand({
        TableName: tableName,
        Key: { pk: 'T#1', sk: 'U#2' },
        ReturnValues: 'ALL_OLD',
      }),
    );
    expect(deleted.Attributes?.name).toBe('Grace');
    expect(
      (await client.send(new GetCommand({ TableName: tableName, Key: { pk: 'T#1', sk: 'U#2' } }))).Item,
    ).toBeUndefined();
  });

  it('writes and deletes in batches', async () => {
    const written = await client.send(
      new BatchWriteCommand({
        RequestItems: {
          [tableName]: [
            { PutRequest: { Item: { pk: 'B#1', sk: 'A', n: 1 } } },
            { PutRequest: { Item: { pk: 'B#1', sk: 'B', n: 2 } } },
          ],
        },
      }),
    );
    expect(written.UnprocessedItems ?? {}).toEqual({});
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'B#1' },
      }),
    );
    expect(page.Items?.map((entry) => entry.n)).toEqual([1, 2]);
    await client.send(
      new BatchWriteCommand({
        RequestItems: { [tableName]: [{ DeleteRequest: { Key: { pk: 'B#1', sk: 'A' } } }] },
      }),
    );
    expect(
      (await client.send(new GetCommand({ TableName: tableName, Key: { pk: 'B#1', sk: 'A' } }))).Item,
    ).toBeUndefined();
  });

  it('reports why a transaction was cancelled, by position and by name, and writes nothing of it', async () => {
    await client.send(new PutCommand({ TableName: tableName, Item: { pk: 'T#2', sk: 'U#1', roles: ['user'] } }));
    const error = await client
      .send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: tableName, Item: { pk: 'T#2', sk: 'S#1' } } },
            {
              ConditionCheck: {
                TableName: tableName,
                Key: { pk: 'T#2', sk: 'U#1' },
                ConditionExpression: 'contains(#roles, :admin)',
                ExpressionAttributeNames: { '#roles': 'roles' },
                ExpressionAttributeValues: { ':admin': 'admin' },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TransactionCanceledException' });
    const failedCheck = expect.objectContaining({
      Code: 'ConditionalCheckFailed',
      Item: { pk: 'T#2', sk: 'U#1', roles: ['user'] },
    });
    expect(cancellationReasons(error)).toEqual([{ Code: 'None' }, failedCheck]);
    expect(cancellationReasonsByName(error, ['session', 'adminCheck'])).toEqual({
      session: { Code: 'None' },
      adminCheck: failedCheck,
    });
    // An unnamed item is left out.
    expect(cancellationReasonsByName(error, [undefined, 'adminCheck'])).toEqual({ adminCheck: failedCheck });
    expect(
      (await client.send(new GetCommand({ TableName: tableName, Key: { pk: 'T#2', sk: 'S#1' } }))).Item,
    ).toBeUndefined();
    expect(cancellationReasons(new Error('other'))).toBeUndefined();
    expect(cancellationReasonsByName(new Error('other'), ['a'])).toBeUndefined();
  });
});

describe('SDK errors as the stores see them (scripted DynamoDB)', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  const json10 = { 'content-type': 'application/x-amz-json-1.0' };
  async function clientAgainst(answer: (index: number) => ScriptedAnswer, maxAttempts = 3) {
    const aws = await fakeAws((_request, index) => ({ headers: json10, ...answer(index) }));
    const client = createDocumentClient({ endpoint: aws.endpoint, maxAttempts });
    closers.push(async () => closeDocumentClient(client), aws.close);
    return { aws, client };
  }
  const get = (client: ReturnType<typeof createDocumentClient>) =>
    guard(() => client.send(new GetCommand({ TableName: 't', Key: { pk: 'a', sk: 'b' } })));
  const throttled: ScriptedAnswer = {
    status: 400,
    body: { __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Rate exceeded' },
  };

  it('retries throttling and server errors, then succeeds', async () => {
    const { aws, client } = await clientAgainst((index) =>
      index === 0
        ? throttled
        : index === 1
          ? { status: 500, body: {} }
          : { status: 200, body: { Item: { pk: { S: 'a' } } } },
    );
    expect((await get(client)).Item).toEqual({ pk: 'a' });
    expect(aws.received).toHaveLength(3);
  });

  it('turns throttling that outlasts the retries into StoreUnavailableError', async () => {
    const { aws, client } = await clientAgainst(() => throttled);
    const error = await get(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(isUnavailable((error as Error).cause)).toBe(true);
    expect(aws.received).toHaveLength(3);
  });

  it('turns a 5xx, a refused connection and a silent server into StoreUnavailableError', async () => {
    const failing = await clientAgainst(() => ({ status: 503, body: { __type: 'ServiceUnavailable' } }), 1);
    await expect(get(failing.client)).rejects.toBeInstanceOf(StoreUnavailableError);
    const refused = createDocumentClient({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    closers.push(async () => closeDocumentClient(refused));
    await expect(get(refused)).rejects.toBeInstanceOf(StoreUnavailableError);
    // An attempt without an answer fails after the client's 3 s request timeout.
    const silent = await clientAgainst(() => ({ status: 200, body: {}, delayMs: 10_000 }), 1);
    const started = Date.now();
    const error = await get(silent.client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).cause).toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('leaves conditional-write outcomes to the stores', async () => {
    const { client } = await clientAgainst(() => ({
      status: 400,
      body: {
        __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
        message: 'The conditional request failed',
      },
    }));
    await expect(
      guard(() =>
        client.send(
          new PutCommand({
            TableName: 't',
            Item: { pk: 'a', sk: 'b' },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });

  it('sends one idempotency token with a transaction, the same on its retry', async () => {
    const { aws, client } = await clientAgainst((index) =>
      index === 0 ? { status: 500, body: {} } : { status: 200, body: {} },
    );
    await client.send(
      new TransactWriteCommand({ TransactItems: [{ Put: { TableName: 't', Item: { pk: 'a', sk: 'b' } } }] }),
    );
    const tokens = aws.received.map((request) => JSON.parse(request.body).ClientRequestToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(tokens[1]).toBe(tokens[0]);
  });
});
