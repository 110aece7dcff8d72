import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { ClientSecretStore } from '../ports.ts';
import { guard } from './aws-errors.ts';

/**
 * Tenant client secrets in AWS Secrets Manager, one secret per tenant named
 * `<prefix><tenant>`. Reads go through Powertools Parameters with an explicit
 * max age, so a warm function fetches each secret at most once per period.
 */
export class SecretsManagerClientSecretStore implements ClientSecretStore {
  readonly #client: SecretsManagerClient;

  constructor(
    private readonly prefix: string,
    private readonly maxAgeSeconds: number,
    client?: SecretsManagerClient,
  ) {
    this.#client = client ?? new SecretsManagerClient({});
  }

  secretName(tenantId: string): string {
    return `${this.prefix}${tenantId}`;
  }

  async getClientSecret(tenantId: string): Promise<string | undefined> {
    try {
      const value = await guard(() =>
        getSecret(this.secretName(tenantId), { maxAge: this.maxAgeSeconds, sdkClient: this.#client }),
      );
      return typeof value === 'string' && value.length > 0 ? value : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async putClientSecret(tenantId: string, secret: string): Promise<void> {
    const name = this.secretName(tenantId);
    try {
      await guard(() => this.#client.send(new PutSecretValueCommand({ SecretId: name, SecretString: secret })));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await guard(() =>
        this.#client.send(
          new CreateSecretCommand({
            Name: name,
            SecretString: secret,
            Description: `Okta client secret for login tenant ${tenantId}`,
          }),
        ),
      );
    }
  }

  async deleteClientSecret(tenantId: string): Promise<void> {
    try {
      await guard(() =>
        this.#client.send(new DeleteSecretCommand({ SecretId: this.secretName(tenantId), RecoveryWindowInDays: 7 })),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}

function isNotFound(error: unknown): boolean {
  const cause = (error as { cause?: unknown }).cause ?? error;
  return (
    cause instanceof ResourceNotFoundException || (cause as { name?: string })?.name === 'ResourceNotFoundException'
  );
}
