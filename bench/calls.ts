/**
 * CPU per call of each outbound call on the login path, in the bench process:
 * the DynamoDB operations through the SDK's DynamoDBDocumentClient (the same client
 * and settings the functions use), and the token request through our
 * keep-alive `node:http` fetch side by side with Node's fetch, which it
 * replaces; and the one RS256 signature a `/session/token` call adds to
 * `/me`'s read. Rounds alternate so drift on a shared machine hits all alike.
 */

import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchGetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import { closeDocumentClient, createDocumentClient } from '../shared/adapters/dynamodb/client.ts';
import { createHttpFetch } from '../shared/oidc/http-fetch.ts';
import { median, round } from './stats.ts';

/** Odd, so the median is one measured round. */
const ROUNDS = 7;
const CALLS = 100;

async function cpuPerCall(call: (index: number) => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  for (let index = 0; index < CALLS; index++) await call(index);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / CALLS;
}

/** Median CPU ms per call of each candidate, measured in alternating rounds after one warm-up round each. */
async function compare<Name extends string>(
  calls: Record<Name, (index: number) => Promise<unknown>>,
): Promise<Record<Name, number>> {
  const names = Object.keys(calls) as Name[];
  for (const name of names) await cpuPerCall(calls[name]);
  const samples = new Map<Name, number[]>(names.map((name) => [name, []]));
  for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
    const order = roundIndex % 2 === 0 ? names : [...names].reverse();
    for (const name of order) samples.get(name)?.push(await cpuPerCall(calls[name]));
  }
  return Object.fromEntries(names.map((name) => [name, round(median(samples.get(name) ?? []), 3)])) as Record<
    Name,
    number
  >;
}

export async function measureCalls(dynamoDbEndpoint: string, tableName: string) {
  const client = createDocumentClient({ endpoint: dynamoDbEndpoint });
  const key = () => ({ pk: `BENCH#${randomUUID()}`, sk: 'STATE' });
  const sessionKeys = Array.from({ length: 3 }, (_, index) => ({ pk: `BENCH#read`, sk: `ITEM#${index}` }));
  for (const item of sessionKeys)
    await client.send(new PutCommand({ TableName: tableName, Item: { ...item, type: 'bench', n: 1 } }));
  const dynamodb = await compare({
    // The callback's used-state write.
    conditionalPutItem: () =>
      client.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...key(), type: 'used_state', expiresAt: 1 },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    // A returning login's transaction: user update, session put, audit event.
    transactWriteItems3: (index) =>
      client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName,
                Key: sessionKeys[0] ?? {},
                UpdateExpression: 'SET n = :n',
                ExpressionAttributeValues: { ':n': index },
              },
            },
            {
              Put: {
                TableName: tableName,
                Item: { ...key(), type: 'session' },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Put: { TableName: tableName, Item: { ...key(), type: 'audit', details: { roles: ['a', 'b'] } } } },
          ],
        }),
      ),
    // `GET /me`: session, user and tenant in one read.
    batchGetItem3: () =>
      client.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: sessionKeys, ConsistentRead: true } } })),
  });
  closeDocumentClient(client);

  // A token-endpoint-like POST answered with a small JSON body.
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'a'.repeat(40), id_token: 'b'.repeat(900), token_type: 'Bearer' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic Y2xpZW50OnNlY3JldA==' },
    body: 'grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fexample.com%2Fcb&code_verifier=xyz',
  };
  const httpFetch = createHttpFetch();
  const tokenRequest = await compare({
    ours: async () => (await httpFetch(url, { ...init, signal: AbortSignal.timeout(5000) })).json(),
    nodeFetch: async () => (await fetch(url, { ...init, signal: AbortSignal.timeout(5000) })).json(),
  });
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  return {
    cpuMsPerCall: {
      dynamodb,
      tokenRequest: { ...tokenRequest, ratio: round(tokenRequest.ours / tokenRequest.nodeFetch, 2) },
      sessionTokenSignature: await compare({ rs256: await sessionTokenSigner() }),
    },
  };
}

/**
 * A session token's signature as shared/session-token/issue.ts makes it: an
 * RSA-2048 private JWK imported once (the function caches the imported key),
 * then jose's `SignJWT` over claims of a token's usual size.
 */
async function sessionTokenSigner(): Promise<() => Promise<string>> {
  const generated = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const privateKey = await importJWK(await exportJWK(generated.privateKey), 'RS256');
  return () =>
    new SignJWT({
      tenant: 'bench',
      role: 'member',
      roles: ['member', 'billing'],
      email: 'ada@bench.example',
      email_verified: true,
      name: 'Ada Lovelace',
      sid: 'x'.repeat(43),
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'y'.repeat(43), typ: 'session+jwt' })
      .setIssuer('https://login.bench.example')
      .setAudience('https://app.bench.example')
      .setSubject(randomUUID())
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
}
