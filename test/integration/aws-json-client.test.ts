import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { isUnavailable } from '../../shared/adapters/aws-errors.ts';
import { AwsJsonClient, AwsServiceError } from '../../shared/adapters/aws-json-client.ts';
import { cancellationReasons, createDocumentClient, DocumentClient } from '../../shared/adapters/dynamodb-client.ts';
import { createLocalDynamoDbClient, ensureTable } from '../../shared/adapters/dynamodb-table.ts';
import { fakeAws } from '../support/fake-aws.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const clientFor = (endpoint: string, extra: Partial<ConstructorParameters<typeof AwsJsonClient>[0]> = {}) =>
  new AwsJsonClient({
    service: 'dynamodb',
    targetPrefix: 'DynamoDB_20120810',
    jsonVersion: '1.0',
    endpoint,
    region: 'eu-west-1',
    credentials,
    ...extra,
  });

/** When the request was signed, from its `x-amz-date` (20261125T143000Z). */
function signedAt(request: { headers: Record<string, string | string[] | undefined> }): number {
  const amzDate = String(request.headers['x-amz-date']);
  return Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
}

/** One call with credentials left to the client, under exactly these AWS_* variables. */
async function callWithEnvironment(endpoint: string, variables: Record<string, string>): Promise<void> {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
  Object.assign(process.env, variables);
  try {
    const client = clientFor(endpoint, { credentials: undefined });
    await client.call('GetItem', {});
    client.destroy();
  } finally {
    process.env = saved;
  }
}

describe('AwsJsonClient on the wire', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('sends a SigV4 signature that verifies over exactly what was sent', async () => {
    const aws = await fakeAws(() => ({ status: 200, body: { Item: { pk: { S: 'a' } } } }));
    closers.push(aws.close);
    const client = clientFor(aws.endpoint);
    const output = await client.call('GetItem', { TableName: 'tbl', Key: { pk: { S: 'a' } } });
    client.destroy();
    expect(output).toEqual({ Item: { pk: { S: 'a' } } });

    const [request] = aws.received;
    if (!request) throw new Error('no request');
    expect(request.headers['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
    expect(request.headers['content-type']).toBe('application/x-amz-json-1.0');
    const authorization = String(request.headers.authorization);
    const match =
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/(\d{8})\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
        authorization,
      );
    expect(match).not.toBeNull();
    const [, , signedHeaderList = '', signature] = match ?? [];
    // Re-sign what the server received, from the signed headers only: any header or body
    // changed after signing would give a different signature.
    const signedHeaders = Object.fromEntries(
      signedHeaderList.split(';').map((name) => [name, String(request.headers[name])]),
    );
    const signingDate = new Date(signedAt(request));
    const verifier = new SignatureV4({ service: 'dynamodb', region: 'eu-west-1', credentials, sha256: Sha256 });
    const resigned = await verifier.sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        path: request.path,
        headers: signedHeaders,
        body: request.body,
      }),
      { signingDate },
    );
    expect(String(resigned.headers.authorization)).toContain(`Signature=${signature}`);
    expect(signedHeaderList.split(';')).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'x-amz-target']));
  });

  it('adds the session token of temporary credentials from the environment', async () => {
    const aws = await fakeAws(() => ({ status: 200, body: {} }));
    closers.push(aws.close);
    await callWithEnvironment(aws.endpoint, {
      AWS_ACCESS_KEY_ID: 'ASIAENV',
      AWS_SECRET_ACCESS_KEY: 'secret-from-env',
      AWS_SESSION_TOKEN: 'token-from-env',
    });
    expect(aws.received[0]?.headers['x-amz-security-token']).toBe('token-from-env');
    expect(String(aws.received[0]?.headers.authorization)).toContain('Credential=ASIAENV/');
  });

  it('turns an error body into an SDK-shaped error and does not retry client faults', async () => {
    const aws = await fakeAws(() => ({
      status: 400,
      body: {
        __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
        message: 'The conditional request failed',
      },
    }));
    closers.push(aws.close);
    const client = clientFor(aws.endpoint);
    const error = await client.call('PutItem', {}).catch((e: unknown) => e);
    client.destroy();
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({
      name: 'ConditionalCheckFailedException',
      message: 'The conditional request failed',
      $fault: 'client',
      $retryable: undefined,
      $metadata: { httpStatusCode: 400, requestId: 'req-1', attempts: 1 },
    });
    expect(aws.received).toHaveLength(1);
    expect(isUnavailable(error)).toBe(false);
  });

  it('retries throttling and server errors, then succeeds', async () => {
    const aws = await fakeAws((_request, index) =>
      index === 0
        ? { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException' } }
        : index === 1
          ? { status: 500, body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError' } }
          : { status: 200, body: { ok: true } },
    );
    closers.push(aws.close);
    const client = clientFor(aws.endpoint, { maxAttempts: 3 });
    await expect(client.call('PutItem', { n: 1 })).resolves.toEqual({ ok: true });
    client.destroy();
    expect(aws.received).toHaveLength(3);
    // Every attempt is signed afresh with the same body.
    expect(new Set(aws.received.map((request) => request.body))).toEqual(new Set(['{"n":1}']));
  });

  it('gives up after maxAttempts with a retryable error the stores report as unavailable', async () => {
    const aws = await fakeAws(() => ({ status: 503, body: { __type: 'ServiceUnavailable', message: 'busy' } }));
    closers.push(aws.close);
    const client = clientFor(aws.endpoint, { maxAttempts: 2 });
    const error = await client.call('GetItem', {}).catch((e: unknown) => e);
    client.destroy();
    expect(error).toMatchObject({ name: 'ServiceUnavailable', $fault: 'server', $metadata: { attempts: 2 } });
    expect(aws.received).toHaveLength(2);
    expect(isUnavailable(error)).toBe(true);
  });

  it('times out an attempt that gets no answer and retries it', async () => {
    const aws = await fakeAws((_request, index) => ({ status: 200, body: { index }, delayMs: index === 0 ? 2000 : 0 }));
    closers.push(aws.close);
    const client = clientFor(aws.endpoint, { timeoutMs: 200, maxAttempts: 2 });
    await expect(client.call('GetItem', {})).resolves.toEqual({ index: 1 });
    client.destroy();
  });

  it('checks the x-amz-crc32 DynamoDB sends and retries a body that does not match it', async () => {
    const good = JSON.stringify({ Item: { pk: { S: 'a' } } });
    const crc = String(zlib.crc32(good));
    const aws = await fakeAws((_request, index) =>
      index === 0
        ? { status: 200, raw: good.replace('a', 'b'), headers: { 'x-amz-crc32': crc } }
        : { status: 200, raw: good, headers: { 'x-amz-crc32': crc } },
    );
    closers.push(aws.close);
    const client = clientFor(aws.endpoint, { maxAttempts: 2 });
    await expect(client.call('GetItem', {})).resolves.toEqual({ Item: { pk: { S: 'a' } } });
    client.destroy();
    expect(aws.received).toHaveLength(2);
  });

  it('never reads an unreadable success as an empty answer', async () => {
    const aws = await fakeAws(() => ({ status: 200, raw: '{"Item": {"pk"' }));
    closers.push(aws.close);
    const client = clientFor(aws.endpoint, { maxAttempts: 2 });
    const error = await client.call('GetItem', {}).catch((e: unknown) => e);
    client.destroy();
    expect(error).toMatchObject({ name: 'SerializationError', $metadata: { attempts: 2 } });
    expect(isUnavailable(error)).toBe(true);
  });

  it('sends one idempotency token with a transaction, the same on every retry', async () => {
    const aws = await fakeAws((_request, index) =>
      index === 0 ? { status: 500, body: { __type: 'InternalServerError' } } : { status: 200, body: {} },
    );
    closers.push(aws.close);
    const client = new DocumentClient(clientFor(aws.endpoint, { maxAttempts: 2 }));
    await client.transactWrite({ TransactItems: [{ Put: { TableName: 'tbl', Item: { pk: 'a', sk: 'b' } } }] });
    await client.transactWrite({ TransactItems: [{ Put: { TableName: 'tbl', Item: { pk: 'c', sk: 'd' } } }] });
    client.destroy();
    const tokens = aws.received.map((request) => JSON.parse(request.body).ClientRequestToken as string);
    expect(tokens).toHaveLength(3);
    expect(tokens[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(tokens[1]).toBe(tokens[0]);
    expect(tokens[2]).not.toBe(tokens[0]);
    expect(JSON.parse(aws.received[0]?.body ?? '{}').TransactItems[0].Put.Item).toEqual({
      pk: { S: 'a' },
      sk: { S: 'b' },
    });
  });

  it('corrects for a skewed local clock from the server Date, as the SDK does', async () => {
    const serverNow = Date.now() + 20 * 60_000; // this machine runs 20 minutes slow
    const aws = await fakeAws((request) => {
      return Math.abs(signedAt(request) - serverNow) > 5 * 60_000
        ? {
            status: 400,
            body: { __type: 'com.amazon.coral.service#InvalidSignatureException', message: 'Signature expired' },
            headers: { date: new Date(serverNow).toUTCString() },
          }
        : { status: 200, body: { ok: true } };
    });
    closers.push(aws.close);
    const client = clientFor(aws.endpoint, { maxAttempts: 2 });
    await expect(client.call('GetItem', {})).resolves.toEqual({ ok: true });
    await expect(client.call('GetItem', {})).resolves.toEqual({ ok: true });
    client.destroy();
    // One refusal, then the offset is kept for later calls.
    expect(aws.received).toHaveLength(3);
  });

  it('does not retry a signature refusal when the clocks agree', async () => {
    const aws = await fakeAws(() => ({
      status: 400,
      body: { __type: 'com.amazon.coral.service#InvalidSignatureException', message: 'bad signature' },
      headers: { date: new Date().toUTCString() },
    }));
    closers.push(aws.close);
    const client = clientFor(aws.endpoint, { maxAttempts: 3 });
    await expect(client.call('GetItem', {})).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    client.destroy();
    expect(aws.received).toHaveLength(1);
  });

  it('falls back to the SDK credential chain (here a shared credentials file) without environment keys', async () => {
    const aws = await fakeAws(() => ({ status: 200, body: {} }));
    closers.push(aws.close);
    const dir = mkdtempSync(join(tmpdir(), 'aws-credentials-'));
    writeFileSync(
      join(dir, 'credentials'),
      '[default]\naws_access_key_id = AKIDFROMFILE\naws_secret_access_key = secret-from-file\n',
    );
    try {
      await callWithEnvironment(aws.endpoint, {
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
        AWS_CONFIG_FILE: join(dir, 'config-missing'),
        AWS_EC2_METADATA_DISABLED: 'true',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(String(aws.received[0]?.headers.authorization)).toContain('Credential=AKIDFROMFILE/');
  });

  it('reports a refused connection as unavailable', async () => {
    const client = clientFor('http://127.0.0.1:9', { maxAttempts: 1 });
    const error = await client.call('GetItem', {}).catch((e: unknown) => e);
    client.destroy();
    expect(error).toMatchObject({ name: 'NetworkError', code: 'ECONNREFUSED' });
    expect(isUnavailable(error)).toBe(true);
  });

  it('needs a region when no endpoint says where to go', () => {
    const saved = { ...process.env };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      expect(() => new AwsJsonClient({ service: 'dynamodb', targetPrefix: 'x', jsonVersion: '1.0' })).toThrow(
        /AWS_REGION/,
      );
    } finally {
      process.env = saved;
    }
  });
});

describe('DocumentClient against DynamoDB Local', () => {
  const tableName = `doc-${randomUUID()}`;
  const client = createDocumentClient({ endpoint: inject('dynamoDbEndpoint') });
  beforeAll(async () => {
    const admin = createLocalDynamoDbClient(inject('dynamoDbEndpoint'));
    await ensureTable(admin, tableName);
    admin.destroy();
  });
  afterAll(() => client.destroy());

  it('round-trips plain values through every operation the stores use', async () => {
    const item = { pk: 'T#1', sk: 'U#1', name: 'Ada', roles: ['admin', 'user'], n: 42, ok: true, gone: undefined };
    await client.put({ TableName: tableName, Item: item });
    await client.put({ TableName: tableName, Item: { pk: 'T#1', sk: 'U#2', name: 'Grace' } });
    expect((await client.get({ TableName: tableName, Key: { pk: 'T#1', sk: 'U#1' } })).Item).toEqual({
      pk: 'T#1',
      sk: 'U#1',
      name: 'Ada',
      roles: ['admin', 'user'],
      n: 42,
      ok: true,
    });
    const updated = await client.update({
      TableName: tableName,
      Key: { pk: 'T#1', sk: 'U#1' },
      UpdateExpression: 'SET n = n + :one',
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'ALL_NEW',
    });
    expect(updated.Attributes?.n).toBe(43);
    const page = await client.query({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'T#1' },
      Limit: 1,
    });
    expect(page.Items).toHaveLength(1);
    expect(page.LastEvaluatedKey).toEqual({ pk: 'T#1', sk: 'U#1' });
    const next = await client.query({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'T#1' },
      ExclusiveStartKey: page.LastEvaluatedKey,
    });
    expect(next.Items?.map((entry) => entry.name)).toEqual(['Grace']);
    const batch = await client.batchGet({
      RequestItems: {
        [tableName]: {
          Keys: [
            { pk: 'T#1', sk: 'U#1' },
            { pk: 'T#1', sk: 'U#9' },
          ],
        },
      },
    });
    expect(batch.Responses?.[tableName]?.map((entry) => entry.name)).toEqual(['Ada']);
    const scanned = await client.scan({ TableName: tableName });
    expect(scanned.Items).toHaveLength(2);
    const deleted = await client.delete({
      TableName: tableName,
      Key: { pk: 'T#1', sk: 'U#2' },
      ReturnValues: 'ALL_OLD',
    });
    expect(deleted.Attributes?.name).toBe('Grace');
    expect((await client.get({ TableName: tableName, Key: { pk: 'T#1', sk: 'U#2' } })).Item).toBeUndefined();
  });

  it('reports why a transaction was cancelled, with the failing item as plain values', async () => {
    await client.put({ TableName: tableName, Item: { pk: 'T#2', sk: 'U#1', roles: ['user'] } });
    const error = await client
      .transactWrite({
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
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TransactionCanceledException' });
    expect(cancellationReasons(error)).toEqual([
      { Code: 'None' },
      expect.objectContaining({ Code: 'ConditionalCheckFailed', Item: { pk: 'T#2', sk: 'U#1', roles: ['user'] } }),
    ]);
    // Nothing of the cancelled transaction was written.
    expect((await client.get({ TableName: tableName, Key: { pk: 'T#2', sk: 'S#1' } })).Item).toBeUndefined();
    expect(cancellationReasons(new Error('other'))).toBeUndefined();
  });
});
