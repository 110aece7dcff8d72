import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE_KEY, TTL_ATTRIBUTE, USER_SESSIONS_INDEX } from '../shared/adapters/dynamodb/table-schema.ts';
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
 * The single table (tenants, users, sessions, used login states and token
 * ids, audit): on-demand, point-in-time recovery, TTL on `expiresAt`, keys and
 * the one index (a user's sessions, keys only) exactly as
 * `shared/adapters/dynamodb/table-schema.ts` says.
 *
 * Grants go through `grantItems` and `grantIndexQuery` rather than
 * `table.grant`, which on a table with an index also allows the actions on
 * every index (`<table>/index/*`): here each function gets its actions on the
 * table only, and querying the index is granted alone, to whom needs it.
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
      // Sparse: only session items carry its partition key. Keys only: the index entry never changes
      // after the session is put, so idle-timeout touches (lastSeenAt) write nothing to it.
      globalSecondaryIndexes: [
        {
          indexName: USER_SESSIONS_INDEX.indexName,
          partitionKey: { name: USER_SESSIONS_INDEX.partitionKey, type: AttributeType.STRING },
          sortKey: { name: USER_SESSIONS_INDEX.sortKey, type: AttributeType.NUMBER },
          projectionType: ProjectionType.KEYS_ONLY,
        },
      ],
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
  }

  /** `actions` on the table's items, and on no index. */
  grantItems(grantee: IGrantable, ...actions: string[]): Grant {
    return Grant.addToPrincipal({ grantee, actions, resourceArns: [this.table.tableArn] });
  }

  /**
   * `actions` on the table's items whose partition key is `partitionKey`, and
   * on no other item (IAM condition `dynamodb:LeadingKeys`): e.g. the signing
   * keys' `SIGNING_KEYS` partition for functions that need nothing else.
   */
  grantItemsOfPartition(grantee: IGrantable, partitionKey: string, ...actions: string[]): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [partitionKey] } },
    });
  }

  /** `dynamodb:Query` on one index only (today: `USER_SESSIONS_INDEX`). */
  grantIndexQuery(grantee: IGrantable, indexName: string = USER_SESSIONS_INDEX.indexName): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: [`${this.table.tableArn}/index/${indexName}`],
    });
  }
}
