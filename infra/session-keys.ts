import { CustomResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import { Grant, type IGrantable, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type CfnSecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { keys } from '../shared/adapters/dynamodb/table-schema.ts';
import type { LoginTable } from './login-table.ts';

/**
 * The table partition of the public key set (the item `SIGNING_KEYS` /
 * `PUBLIC`, see shared/session-token/keys.ts): the only items the rotation
 * and the key-set function may touch.
 */
export const SIGNING_KEYS_PARTITION = keys.publicSigningKeys().pk;

/** The custom resource's physical id: one key set per stack, created once. */
export const SIGNING_KEYS_RESOURCE_ID = 'session-signing-keys';

/** Where the functions that sign or rotate find the private key set (shared/config.ts `signingKeysSecretId`). */
const SECRET_ID_VARIABLE = 'SIGNING_KEYS_SECRET_ID';

export interface SessionSigningKeysProps {
  /** The table that holds the public key set (`SIGNING_KEYS` / `PUBLIC`). */
  readonly table: LoginTable;
  /**
   * The function that runs the rotation (functions/key-rotation.ts,
   * `KEY_ROTATION_ENTRY`): invoked daily by a schedule, and once at deploy by
   * the custom resource that creates the first key set. It gets `grantRotate`
   * and `SIGNING_KEYS_SECRET_ID`.
   */
  readonly rotationFunction: LambdaFunction;
  /** How often the rotation runs (it adds a key only when the signing one is old enough). @default Duration.days(1) */
  readonly rotationCheckInterval?: Duration;
  /** Retention of the custom resource framework's log group. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the private key set and the framework's log group when
   * they leave the stack: keep it as the table is kept (the table keeps the
   * public half). @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The keys that sign session tokens (`GET /session/token`):
 *
 * - the private key set, a Secrets Manager secret created empty: its value is
 *   generated in AWS by the rotation function, never in the template, a build
 *   artifact or a log line;
 * - a custom resource that runs the rotation function once at deploy (Create
 *   and Update), so the first key set exists before the first token request;
 * - an EventBridge schedule that runs the rotation daily (a new key is
 *   published, then signs after the publication delay; retired keys are
 *   unpublished once every token they signed has expired: the rules are in
 *   shared/session-token/rotation.ts);
 * - grants: `grantSign` (the token function only: the private keys, and
 *   `SIGNING_KEYS_SECRET_ID` in its environment), `grantRotate` (the rotation
 *   function, given as a prop: the secret and the public item), and
 *   `grantReadPublicKeys` (the key-set function: the public item, nothing else).
 *
 * The public half lives in the table (`SIGNING_KEYS` / `PUBLIC`), written by
 * the rotation with the private set; table grants on it are limited to that
 * partition by the IAM condition `dynamodb:LeadingKeys`.
 */
export class SessionSigningKeys extends Construct {
  /** The private key set (JSON written by the rotation). */
  readonly secret: Secret;
  /** The daily rotation schedule. */
  readonly schedule: Rule;
  /** The deploy-time creation of the first key set. */
  readonly initialKeys: CustomResource;
  /** The role of the custom resource framework's function (it may invoke the rotation function only). */
  readonly providerRole: Role;
  readonly #table: LoginTable;

  constructor(scope: Construct, id: string, props: SessionSigningKeysProps) {
    super(scope, id);
    this.#table = props.table;
    this.secret = this.#createSecret(props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.grantRotate(props.rotationFunction);
    props.rotationFunction.addEnvironment(SECRET_ID_VARIABLE, this.secret.secretArn);
    // The first key set, at deploy time, by the rotation function itself: one code path for
    // "create when none exists" and "rotate when due".
    const { providerRole, initialKeys } = this.#createInitialKeys(props);
    this.providerRole = providerRole;
    this.initialKeys = initialKeys;
    this.schedule = new Rule(this, 'RotationSchedule', {
      description: 'Runs the session signing key rotation (a new key only when the signing one is old enough)',
      schedule: Schedule.rate(props.rotationCheckInterval ?? Duration.days(1)),
      targets: [new LambdaTarget(props.rotationFunction, { retryAttempts: 2 })],
    });
  }

  /** The private key set's secret, created empty. */
  #createSecret(removalPolicy: RemovalPolicy): Secret {
    const secret = new Secret(this, 'PrivateKeys', {
      description:
        'Private keys that sign session tokens (JSON key set written by the key rotation function; read only by the session-token function)',
      // Kept (or not) with the table, which keeps the public half.
      removalPolicy,
    });
    // Created empty: CDK would otherwise put a generated password in it. The first value is the
    // key set the rotation generates in Lambda, so no key is ever in the template.
    (secret.node.defaultChild as CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
    return secret;
  }

  /**
   * The custom resource that runs the rotation once per deploy. The provider
   * framework's own function gets a role and log group of ours: no
   * AWSLambdaBasicExecutionRole, a retention.
   */
  #createInitialKeys(props: SessionSigningKeysProps): { providerRole: Role; initialKeys: CustomResource } {
    const logGroup = new LogGroup(this, 'ProviderLogs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const providerRole = new Role(this, 'ProviderRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description:
        'Custom resource framework of the session signing keys: invokes the key rotation function once per deploy',
    });
    logGroup.grantWrite(providerRole);
    const provider = new Provider(this, 'Provider', {
      onEventHandler: props.rotationFunction,
      frameworkOnEventRole: providerRole,
      logGroup,
    });
    const initialKeys = new CustomResource(this, 'InitialKeys', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SessionSigningKeys',
      // What the handler needs to tell this event from the schedule's; no key material either way.
      properties: { Purpose: 'ensure-key-set' },
    });
    // The grants must be in place before the rotation runs.
    initialKeys.node.addDependency(this.secret);
    const rotationRole = props.rotationFunction.role;
    if (rotationRole) initialKeys.node.addDependency(rotationRole);
    return { providerRole, initialKeys };
  }

  /**
   * The function that signs session tokens, and no other: read access to the
   * private keys, and `SIGNING_KEYS_SECRET_ID`, where it finds them.
   */
  grantSign(fn: LambdaFunction): Grant {
    fn.addEnvironment(SECRET_ID_VARIABLE, this.secret.secretArn);
    return this.grantReadPrivateKeys(fn);
  }

  /** Read access to the private keys: only the function that signs session tokens (`grantSign`). */
  grantReadPrivateKeys(grantee: IGrantable): Grant {
    return this.secret.grantRead(grantee);
  }

  /**
   * What the rotation needs: read and write the private key set (no delete,
   * no rotation configuration), and read and write the public key set in the
   * table, on the `SIGNING_KEYS` partition only.
   */
  grantRotate(grantee: IGrantable): Grant {
    this.secret.grantRead(grantee);
    this.#table.grantItemsOfPartition(
      grantee,
      SIGNING_KEYS_PARTITION,
      'dynamodb:GetItem', // the public set, consistent: its version is the write's lock
      'dynamodb:PutItem', // the public set, conditional on the version read
    );
    // PutSecretValue only: `grantWrite` would add UpdateSecret (description, KMS key), which the rotation never needs.
    return Grant.addToPrincipal({
      grantee,
      actions: ['secretsmanager:PutSecretValue'],
      resourceArns: [this.secret.secretArn],
    });
  }

  /** Read access to the public key set in the table (`SIGNING_KEYS` partition only), nothing private. */
  grantReadPublicKeys(grantee: IGrantable): Grant {
    return this.#table.grantItemsOfPartition(grantee, SIGNING_KEYS_PARTITION, 'dynamodb:GetItem');
  }
}
