/**
 * Why the adapters do not use the AWS SDK's DocumentClient or Node's fetch on
 * the login path: the same calls, side by side in one process, CPU per call.
 * Rounds alternate which client goes first so drift hits both alike.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../shared/adapters/dynamodb-client.ts';
import { createHttpFetch } from '../shared/oidc/http-fetch.ts';

const ROUNDS = 7;
const CALLS = 100;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const round = (value: number, digits = 3) => Number(value.toFixed(digits));

async function cpuPerCall(call: (index: number) => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  for (let index = 0; index < CALLS; index++) await call(index);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / CALLS;
}

async function sideBySide(
  a: (index: number) => Promise<unknown>,
  b: (index: number) => Promise<unknown>,
): Promise<{ ours: number; replaced: number; ratio: number }> {
  await cpuPerCall(a); // warm both: connections, JIT
  await cpuPerCall(b);
  const ours: number[] = [];
  const replaced: number[] = [];
  for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
    if (roundIndex % 2 === 0) {
      ours.push(await cpuPerCall(a));
      replaced.push(await cpuPerCall(b));
    } else {
      replaced.push(await cpuPerCall(b));
      ours.push(await cpuPerCall(a));
    }
  }
  return {
    ours: round(median(ours)),
    replaced: round(median(replaced)),
    ratio: round(median(ours) / median(replaced), 2),
  };
}

export async function compareClients(dynamoDbEndpoint: string, tableName: string) {
  // A conditional PutItem, as the callback's login-state write.
  const item = (index: number) => ({ pk: `BENCH#${randomUUID()}`, sk: 'STATE', type: 'used_state', n: index });
  const lean = createDocumentClient({ endpoint: dynamoDbEndpoint });
  const sdk = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: dynamoDbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const condition = { ConditionExpression: 'attribute_not_exists(pk)' };
  const dynamodb = await sideBySide(
    (index) => lean.put({ TableName: tableName, Item: item(index), ...condition }),
    (index) => sdk.send(new PutCommand({ TableName: tableName, Item: item(index), ...condition })),
  );
  lean.destroy();
  sdk.destroy();

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
  const tokenRequest = await sideBySide(
    async () => (await httpFetch(url, { ...init, signal: AbortSignal.timeout(5000) })).json(),
    async () => (await fetch(url, { ...init, signal: AbortSignal.timeout(5000) })).json(),
  );
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  return { cpuMsPerCall: { dynamodbPutItem: dynamodb, tokenRequest } };
}
