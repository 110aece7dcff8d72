import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DocumentClientOptions {
  /** DynamoDB Local endpoint; unset in AWS. */
  readonly endpoint?: string | undefined;
  /** SDK attempts per call, retries included. @default 3 */
  readonly maxAttempts?: number;
}

/**
 * One document client per process. Against DynamoDB Local it uses dummy
 * credentials so no AWS account is needed.
 */
export function createDocumentClient(options: DocumentClientOptions = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    maxAttempts: options.maxAttempts ?? 3,
    ...(options.endpoint
      ? {
          endpoint: options.endpoint,
          region: process.env.AWS_REGION ?? 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}
