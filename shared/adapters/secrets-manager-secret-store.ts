import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import type { ClientSecretStore } from '../ports.ts';
import { causes, guard } from './aws-errors.ts';
import { traceClient } from './tracing.ts';

/**
 * One Secrets Manager client per process, with the same fail-fast settings as
 * the DynamoDB client: 3 attempts, an attempt without an answer fails after 3 s.
 */
export function createSecretsManagerClient(config: SecretsManagerClientConfig = {}): SecretsManagerClient {
  return traceClient(
    new SecretsManagerClient({
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true },
      ...config,
    }),
  );
}

/** Powertools Parameters' Secrets Manager provider (it keeps the cache: `maxAge`, `forceFetch`) on our client. */
export function createSecretsProvider(client: SecretsManagerClient): SecretsProvider {
  return new SecretsProvider({ awsSdkV3Client: client });
}

/**
 * Tenant client secrets in AWS Secrets Manager, one secret per tenant named
 * `<prefix><tenant>`. Reads are cached for `maxAgeSeconds` by Powertools
 * Parameters, so a warm function fetches each secret at most once per period.
 */
export class SecretsManagerClientSecretStore implements ClientSecretStore {
  readonly #client: SecretsManagerClient;
  readonly #secrets: SecretsProvider;

  constructor(
    private readonly prefix: string,
    private readonly maxAgeSeconds: number,
    client: SecretsManagerClient = createSecretsManagerClient(),
    secrets: SecretsProvider = createSecretsProvider(client),
  ) {
    this.#client = client;
    this.#secrets = secrets;
  }

  secretName(tenantId: string): string {
    return `${this.prefix}${tenantId}`;
  }

  async getClientSecret(tenantId: string, options: { readonly fresh?: boolean } = {}): Promise<string | undefined> {
    try {
      const value = await guard(() =>
        this.#secrets.get(this.secretName(tenantId), {
          maxAge: this.maxAgeSeconds,
          ...(options.fresh ? { forceFetch: true } : {}),
        }),
      );
      return typeof value === 'string' && value.length > 0 ? value : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The SDK adds each write's idempotency token (`ClientRequestToken`), so a retried write is not applied twice. */
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
    this.#secrets.clearCache();
  }

  async deleteClientSecret(tenantId: string): Promise<void> {
    try {
      await guard(() =>
        this.#client.send(new DeleteSecretCommand({ SecretId: this.secretName(tenantId), RecoveryWindowInDays: 7 })),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    this.#secrets.clearCache();
  }

  /** Closes idle connections (tests, CLI). */
  destroy(): void {
    this.#client.destroy();
  }
}

function isNotFound(error: unknown): boolean {
  return causes(error).some((cause) => (cause as { name?: string }).name === 'ResourceNotFoundException');
}
