import { fakeAws, type ReceivedRequest, type ScriptedAnswer } from './fake-aws.ts';

/** A secret as Secrets Manager keeps it: a deleted one stays, scheduled for deletion, until its recovery window ends. */
interface StoredSecret {
  value: string | undefined;
  scheduledForDeletion: boolean;
}

const error = (type: string, message: string): ScriptedAnswer => ({
  status: 400,
  body: { __type: type, Message: message },
});
const notFound = () => error('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
// What Secrets Manager answers for any use of a secret scheduled for deletion but RestoreSecret.
const markedForDeletion = () =>
  error(
    'InvalidRequestException',
    "You can't perform this operation on the secret because it was marked for deletion.",
  );

/**
 * A stand-in Secrets Manager that keeps its secrets, for running the
 * adapters against the service's documented behaviour: the six operations
 * the client secret store uses, a deleted secret kept (scheduled for
 * deletion, its name still taken) until restored, and the errors the service
 * gives. The recovery window never ends here: tests run in minutes, not days.
 */
export async function fakeSecretsManager() {
  const secrets = new Map<string, StoredSecret>();
  const answer = (request: ReceivedRequest): ScriptedAnswer => {
    const body = JSON.parse(request.body || '{}') as Record<string, unknown>;
    const operation = String(request.headers['x-amz-target']).replace('secretsmanager.', '');
    const name = String(body.SecretId ?? body.Name);
    const secret = secrets.get(name);
    const ok = (extra: object = {}) => ({
      status: 200,
      body: { ARN: `arn:aws:secretsmanager:fake:secret:${name}`, Name: name, ...extra },
    });
    if (operation === 'CreateSecret') {
      if (secret) return secret.scheduledForDeletion ? markedForDeletion() : error('ResourceExistsException', 'exists');
      secrets.set(name, { value: body.SecretString as string | undefined, scheduledForDeletion: false });
      return ok();
    }
    if (!secret) return notFound();
    if (operation === 'DescribeSecret') {
      // Metadata only, deleted secrets included: never the value.
      return ok({
        ...(secret.scheduledForDeletion ? { DeletedDate: Date.now() / 1000 } : {}),
        ...(secret.value !== undefined ? { VersionIdsToStages: { v1: ['AWSCURRENT'] } } : {}),
      });
    }
    if (operation === 'RestoreSecret') {
      secret.scheduledForDeletion = false;
      return ok();
    }
    if (secret.scheduledForDeletion) return markedForDeletion();
    switch (operation) {
      case 'GetSecretValue':
        return secret.value === undefined ? notFound() : ok({ SecretString: secret.value });
      case 'PutSecretValue':
        secret.value = body.SecretString as string;
        return ok();
      case 'DeleteSecret':
        if (body.ForceDeleteWithoutRecovery === true) secrets.delete(name);
        else secret.scheduledForDeletion = true;
        return ok({ DeletionDate: Date.now() / 1000 });
      default:
        return error('InvalidAction', `${operation} is not implemented by the stand-in`);
    }
  };
  const aws = await fakeAws(answer);
  return { ...aws, secrets };
}
