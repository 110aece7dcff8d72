import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
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
 * A deleted secret is scheduled for deletion (7-day recovery window): until
 * it is gone, Secrets Manager refuses every use of it but a restore, and its
 * name stays taken. Here it reads as no secret, deleting it again does
 * nothing, and a tenant created again under the same id restores it and
 * writes its new value over the old one.
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
      if (isNotFound(error) || isScheduledForDeletion(error)) return undefined;
      throw error;
    }
  }

  /** From the secret's metadata (`DescribeSecret`): a current version, and not scheduled for deletion. */
  async hasClientSecret(tenantId: string): Promise<boolean> {
    try {
      const described = await guard(() =>
        this.#client.send(new DescribeSecretCommand({ SecretId: this.secretName(tenantId) })),
      );
      const stages = Object.values(described.VersionIdsToStages ?? {});
      return described.DeletedDate === undefined && stages.some((labels) => labels.includes('AWSCURRENT'));
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** The SDK adds each write's idempotency token (`ClientRequestToken`), so a retried write is not applied twice. */
  async putClientSecret(tenantId: string, secret: string): Promise<void> {
    const name = this.secretName(tenantId);
    const put = () =>
      guard(() => this.#client.send(new PutSecretValueCommand({ SecretId: name, SecretString: secret })));
    try {
      await put();
    } catch (error) {
      if (isScheduledForDeletion(error)) {
        await guard(() => this.#client.send(new RestoreSecretCommand({ SecretId: name })));
        await put();
      } else if (isNotFound(error)) {
        await this.#create(tenantId, secret);
      } else {
        throw error;
      }
    }
    this.#secrets.clearCache();
  }

  async #create(tenantId: string, secret: string): Promise<void> {
    await guard(() =>
      this.#client.send(
        new CreateSecretCommand({
          Name: this.secretName(tenantId),
          SecretString: secret,
          Description: `Okta client secret for login tenant ${tenantId}`,
        }),
      ),
    );
  }

  async deleteClientSecret(tenantId: string): Promise<void> {
    try {
      await guard(() =>
        this.#client.send(new DeleteSecretCommand({ SecretId: this.secretName(tenantId), RecoveryWindowInDays: 7 })),
      );
    } catch (error) {
      // Gone, or deleted before (a tenant delete run again): nothing more to delete.
      if (!isNotFound(error) && !isScheduledForDeletion(error)) throw error;
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

/**
 * Secrets Manager's answer for a secret scheduled for deletion. Of the causes
 * it documents for `InvalidRequestException`, that is the only one the
 * operations used here can meet (the others are rotation settings and
 * secrets another AWS service manages, neither of which these secrets have).
 */
function isScheduledForDeletion(error: unknown): boolean {
  return causes(error).some((cause) => (cause as { name?: string }).name === 'InvalidRequestException');
}
