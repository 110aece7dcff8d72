import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_KEY, TTL_ATTRIBUTE } from '../shared/adapters/dynamodb/table-schema.ts';
import { validationError } from './validation.ts';

export interface LoginTableProps {
  /**
   * What happens to the table when the stack is deleted. DESTROY also turns
   * deletion protection off: for development stacks only.
   * @default RemovalPolicy.RETAIN, with deletion protection on
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The single table (tenants, users, sessions, used login states, audit):
 * on-demand, point-in-time recovery, TTL on `expiresAt`, keys exactly as
 * `shared/adapters/dynamodb/table-schema.ts` says.
 */
export class LoginTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: LoginTableProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    if (removalPolicy !== RemovalPolicy.RETAIN && removalPolicy !== RemovalPolicy.DESTROY) {
      throw validationError(
        this,
        'InvalidRemovalPolicy',
        `LoginTable removalPolicy must be RemovalPolicy.RETAIN or RemovalPolicy.DESTROY, got ${removalPolicy}`,
      );
    }
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: TABLE_KEY.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEY.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
  }
}
