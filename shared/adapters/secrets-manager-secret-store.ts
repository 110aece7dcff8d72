import { randomUUID } from 'node:crypto';
import { BaseProvider } from '@aws-lambda-powertools/parameters/base';
import type { ClientSecretStore } from '../ports.ts';
import { causes, guard } from './aws-errors.ts';
import { AwsJsonClient, type AwsJsonClientOptions } from './aws-json-client.ts';

/** A Secrets Manager client on the lean JSON client (see aws-json-client.ts for why not the SDK). */
export function createSecretsManagerClient(
  options: Pick<AwsJsonClientOptions, 'endpoint' | 'region' | 'credentials'> = {},
): AwsJsonClient {
  return new AwsJsonClient({
    service: 'secretsmanager',
    targetPrefix: 'secretsmanager',
    jsonVersion: '1.1',
    maxAttempts: 3,
    ...options,
  });
}

/**
 * A Powertools Parameters provider for Secrets Manager text secrets: Powertools
 * keeps the cache (`maxAge`, `forceFetch`), this class only fetches.
 */
export class SecretsProvider extends BaseProvider {
  readonly #client: AwsJsonClient;

  constructor(client: AwsJsonClient) {
    super({});
    this.#client = client;
  }

  protected async _get(name: string): Promise<string | undefined> {
    const output = await this.#client.call<{ SecretString?: string }>('GetSecretValue', { SecretId: name });
    return output.SecretString;
  }

  protected async _getMultiple(): Promise<Record<string, unknown> | undefined> {
    throw new TypeError('SecretsProvider reads one secret at a time');
  }
}

/**
 * Tenant client secrets in AWS Secrets Manager, one secret per tenant named
 * `<prefix><tenant>`. Reads are cached for `maxAgeSeconds` by Powertools
 * Parameters, so a warm function fetches each secret at most once per period.
 */
export class SecretsManagerClientSecretStore implements ClientSecretStore {
  readonly #client: AwsJsonClient;
  readonly #secrets: SecretsProvider;

  constructor(
    private readonly prefix: string,
    private readonly maxAgeSeconds: number,
    client: AwsJsonClient = createSecretsManagerClient(),
    secrets: SecretsProvider = new SecretsProvider(client),
  ) {
    this.#client = client;
    this.#secrets = secrets;
  }

  secretName(tenantId: string): string {
    return `${this.prefix}${tenantId}`;
  }

  async getClientSecret(tenantId: string): Promise<string | undefined> {
    try {
      const value = await guard(() => this.#secrets.get(this.secretName(tenantId), { maxAge: this.maxAgeSeconds }));
      return typeof value === 'string' && value.length > 0 ? value : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async putClientSecret(tenantId: string, secret: string): Promise<void> {
    const name = this.secretName(tenantId);
    // Callers outside the SDK supply the idempotency token the SDK would generate.
    try {
      await guard(() =>
        this.#client.call('PutSecretValue', { SecretId: name, SecretString: secret, ClientRequestToken: randomUUID() }),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await guard(() =>
        this.#client.call('CreateSecret', {
          Name: name,
          SecretString: secret,
          Description: `Okta client secret for login tenant ${tenantId}`,
          ClientRequestToken: randomUUID(),
        }),
      );
    }
    this.#secrets.clearCache();
  }

  async deleteClientSecret(tenantId: string): Promise<void> {
    try {
      await guard(() =>
        this.#client.call('DeleteSecret', { SecretId: this.secretName(tenantId), RecoveryWindowInDays: 7 }),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    this.#secrets.clearCache();
  }
}

function isNotFound(error: unknown): boolean {
  return causes(error).some((cause) => (cause as { name?: string }).name === 'ResourceNotFoundException');
}
