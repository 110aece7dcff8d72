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
 *
 * Least privilege, named by what a function does: `grantLoginWrites`,
 * `grantSessionChecks`, `grantSessionChecksAndLogout`,
 * `grantSessionRevocation`, `grantTenantSetup`, `grantScimProvisioning` each
 * give the actions that code sends and nothing else. TransactWriteItems needs
 * no action of its own: IAM authorizes each item of a transaction by its
 * Put/Update/Delete/ConditionCheck. Writing a session item maintains its index
 * entry without any index permission.
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

  /** The login function: the tile login, the callback and its one transaction. */
  grantLoginWrites(grantee: IGrantable): Grant {
    return this.grantItems(
      grantee,
      'dynamodb:GetItem', // tenant config
      'dynamodb:PutItem', // used login state (conditional), login_failed audit event
      'dynamodb:UpdateItem', // returning user's profile (in the login transaction)
      'dynamodb:DeleteItem', // the browser's previous session (in the login transaction)
      'dynamodb:ConditionCheckItem', // transaction guards
    );
  }

  /**
   * A session check with its idle touch, nothing else: the authorizer, and the
   * session-token function (whose one read also takes the public key item).
   */
  grantSessionChecks(grantee: IGrantable): Grant {
    return this.grantItems(
      grantee,
      'dynamodb:BatchGetItem', // session, user and tenant (and the public key set) in one request
      'dynamodb:GetItem', // tenant config (the CORS origins of the session's tenant)
      'dynamodb:UpdateItem', // session last-seen (idle timeout)
    );
  }

  /** The session function: `/me`, the signed-in page, and logout with its audit event. */
  grantSessionChecksAndLogout(grantee: IGrantable): Grant {
    return this.grantItems(
      grantee,
      'dynamodb:BatchGetItem', // GET /me: session, user and tenant in one request
      'dynamodb:GetItem', // tenant config (logout target)
      'dynamodb:UpdateItem', // session last-seen (idle timeout)
      'dynamodb:DeleteItem', // logout
      'dynamodb:PutItem', // logout audit event
    );
  }

  /**
   * Universal Logout: find the users, count and end their sessions. The only
   * grant that may query the user-sessions index.
   */
  grantSessionRevocation(grantee: IGrantable): Grant {
    return this.grantItems(
      grantee,
      'dynamodb:GetItem', // tenant config (read on every call), the user of an iss_sub subject
      'dynamodb:Query', // the tenant's users, for an email subject (the table's tenant partition)
      'dynamodb:BatchGetItem', // the user's sessions, with the user and the tenant, to count the live ones
      'dynamodb:PutItem', // the used jti (conditional), universal_logout audit events
      'dynamodb:UpdateItem', // the user's revocation epoch
    ).combine(this.grantIndexQuery(grantee));
  }

  /** The setup link's pages: the tenant's config, the link and its attempts, the test sign-in. */
  grantTenantSetup(grantee: IGrantable): Grant {
    return this.grantItems(
      grantee,
      'dynamodb:GetItem', // tenant config, setup link, last test sign-in, a form nonce's first use
      'dynamodb:PutItem', // tenant config (connect, activate), audit events, SCIM token hash, form nonces
      'dynamodb:UpdateItem', // the link's attempt counter (conditional), a form nonce's finish
    );
  }

  /**
   * SCIM provisioning: no Scan (lookups are keyed items, listings query the
   * tenant's partition).
   */
  grantScimProvisioning(grantee: IGrantable): Grant {
    return this.grantItems(
      grantee,
      'dynamodb:BatchGetItem', // tenant config + token hash on every request; users by id
      'dynamodb:GetItem', // userName, externalId and group-name items; a group
      'dynamodb:Query', // a tenant's users, groups and a group's members
      'dynamodb:PutItem', // users, groups, memberships, key items, audit (in transactions)
      'dynamodb:UpdateItem', // users' SCIM attributes, groups and roles; the tenant's SCIM-groups flag
      'dynamodb:DeleteItem', // memberships and key items that move
      'dynamodb:ConditionCheckItem', // the tenant's generation in transactions
    );
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
