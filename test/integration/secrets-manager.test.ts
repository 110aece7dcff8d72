import { afterEach, describe, expect, it } from 'vitest';
import {
  createSecretsManagerClient,
  createSecretsProvider,
  SecretsManagerClientSecretStore,
} from '../../shared/adapters/secrets-manager-secret-store.ts';
import { SecretsManagerStateKeyProvider } from '../../shared/adapters/state-key.ts';
import { fakeAws, type ReceivedRequest, type ScriptedAnswer } from '../support/fake-aws.ts';

const notFound = {
  status: 400,
  body: { __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." },
};
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret-key' };
const target = (request: ReceivedRequest | undefined) => request?.headers['x-amz-target'];
const body = (request: ReceivedRequest | undefined) => JSON.parse(request?.body ?? '{}') as Record<string, unknown>;

describe('Secrets Manager adapters on the SDK client (JSON 1.1 on the wire)', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  async function storeAgainst(answer: (request: ReceivedRequest, index: number) => ScriptedAnswer, maxAge = 300) {
    const aws = await fakeAws(answer);
    closers.push(aws.close);
    const client = createSecretsManagerClient({ endpoint: aws.endpoint, region: 'eu-west-1', credentials });
    closers.push(async () => client.destroy());
    return { aws, client, store: new SecretsManagerClientSecretStore('okta-login/client-secret/', maxAge, client) };
  }

  it('reads a tenant secret once per max age', async () => {
    const { aws, store } = await storeAgainst(() => ({ status: 200, body: { SecretString: 's3cret-value' } }));
    expect(await store.getClientSecret('acme')).toBe('s3cret-value');
    expect(await store.getClientSecret('acme')).toBe('s3cret-value');
    expect(aws.received).toHaveLength(1);
    expect(target(aws.received[0])).toBe('secretsmanager.GetSecretValue');
    expect(aws.received[0]?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(body(aws.received[0])).toEqual({ SecretId: 'okta-login/client-secret/acme' });
    expect(String(aws.received[0]?.headers.authorization)).toContain('/eu-west-1/secretsmanager/aws4_request');
  });

  it('treats a missing secret as no secret, and an empty one too', async () => {
    const missing = await storeAgainst(() => notFound);
    expect(await missing.store.getClientSecret('ghost')).toBeUndefined();
    const empty = await storeAgainst(() => ({ status: 200, body: { SecretString: '' } }));
    expect(await empty.store.getClientSecret('blank')).toBeUndefined();
  });

  it('reports an unreachable Secrets Manager as unavailable, not as a missing secret', async () => {
    const { store } = await storeAgainst(() => ({ status: 500, body: { __type: 'InternalServiceError' } }));
    await expect(store.getClientSecret('acme')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('updates an existing secret, or creates it, with an idempotency token', async () => {
    const { aws, store } = await storeAgainst((request) =>
      target(request) === 'secretsmanager.PutSecretValue' && body(request).SecretId === 'okta-login/client-secret/new'
        ? notFound
        : { status: 200, body: {} },
    );
    await store.putClientSecret('old', 'rotated-secret');
    await store.putClientSecret('new', 'first-secret');
    expect(aws.received.map(target)).toEqual([
      'secretsmanager.PutSecretValue',
      'secretsmanager.PutSecretValue',
      'secretsmanager.CreateSecret',
    ]);
    expect(body(aws.received[0])).toMatchObject({
      SecretId: 'okta-login/client-secret/old',
      SecretString: 'rotated-secret',
    });
    expect(body(aws.received[2])).toMatchObject({ Name: 'okta-login/client-secret/new', SecretString: 'first-secret' });
    for (const request of aws.received) expect(body(request).ClientRequestToken).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('deletes with a recovery window and ignores a secret that is already gone', async () => {
    const { aws, store } = await storeAgainst((_request, index) =>
      index === 0 ? { status: 200, body: {} } : notFound,
    );
    await store.deleteClientSecret('acme');
    await store.deleteClientSecret('acme');
    expect(body(aws.received[0])).toEqual({ SecretId: 'okta-login/client-secret/acme', RecoveryWindowInDays: 7 });
  });

  it('derives the login-state key from the stack secret and refuses a short one', async () => {
    const aws = await fakeAws((request) =>
      body(request).SecretId === 'long'
        ? { status: 200, body: { SecretString: 'x'.repeat(40) } }
        : { status: 200, body: { SecretString: 'short' } },
    );
    closers.push(aws.close);
    const client = createSecretsManagerClient({ endpoint: aws.endpoint, region: 'eu-west-1', credentials });
    closers.push(async () => client.destroy());
    const secrets = createSecretsProvider(client);
    const key = await new SecretsManagerStateKeyProvider('long', 300, secrets).getStateKey();
    expect(key).toHaveLength(32);
    await expect(new SecretsManagerStateKeyProvider('short', 300, secrets).getStateKey()).rejects.toMatchObject({
      code: 'CONFIGURATION_ERROR',
    });
  });
});
