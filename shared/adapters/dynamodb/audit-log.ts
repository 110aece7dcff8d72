import type { AuditEvent } from '../../audit.ts';
import type { AuditLog } from '../../ports.ts';
import { guard } from '../aws-errors.ts';
import type { DocumentClient } from './client.ts';
import { auditEventFromItem, auditItem } from './items.ts';
import { collect } from './paginate.ts';
import { keys } from './table-schema.ts';

/** A tenant's audit trail: one item per event under `AUDIT#<tenant>`, ordered by time, expiring by TTL. */
export class DynamoDbAuditLog implements AuditLog {
  constructor(
    private readonly client: DocumentClient,
    private readonly tableName: string,
    /** How long events are kept before DynamoDB's TTL removes them. */
    private readonly retentionDays = 400,
  ) {}

  async append(event: AuditEvent): Promise<void> {
    await guard(() => this.client.put({ TableName: this.tableName, Item: auditItem(event, this.retentionDays) }));
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
