import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../../audit.ts';
import type { AuditLog } from '../../ports.ts';
import { SETTINGS } from '../../settings.ts';
import { guard } from '../aws-errors.ts';
import { auditEventFromItem, auditItem } from './items.ts';
import { collect } from './paginate.ts';
import { keys } from './table-schema.ts';

/** A tenant's audit trail: one item per event under `AUDIT#<tenant>`, ordered by time, expiring by TTL. */
export class DynamoDbAuditLog implements AuditLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** How long events are kept before DynamoDB's TTL removes them. */
    private readonly retentionDays: number = SETTINGS.auditRetentionDays.default,
  ) {}

  async append(event: AuditEvent): Promise<void> {
    await guard(() =>
      this.client.send(new PutCommand({ TableName: this.tableName, Item: auditItem(event, this.retentionDays) })),
    );
  }

  async list(tenantId: string, since?: string): Promise<AuditEvent[]> {
    return collect(
      this.client,
      {
        operation: 'query',
        TableName: this.tableName,
        KeyConditionExpression: since ? 'pk = :pk AND sk >= :since' : 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': keys.auditEvent(tenantId, '', '').pk,
          ...(since ? { ':since': since } : {}),
        },
      },
      auditEventFromItem,
    );
  }
}
