import { type Stack, Validations } from 'aws-cdk-lib';
import type { LoginService } from './login-service.ts';

/**
 * The cdk-nag AwsSolutions findings this design accepts, each acknowledged on
 * the narrowest construct with its reason. Everything else must pass.
 */
export function acknowledgeNagFindings(stack: Stack, service: LoginService): void {
  for (const fn of Object.values(service.functions)) {
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'Lambda functions use AWSLambdaBasicExecutionRole only to write their own CloudWatch logs.',
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'The project targets nodejs22.x (LTS) on purpose; runtime upgrades are deliberate ServiceFunction changes.',
    });
  }
  Validations.of(service.functions.login).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${service.secrets.clientSecretPrefix}*]`,
    reason:
      'The login function reads tenant client secrets by name prefix (one secret per tenant, created by the tenant CLI after deploy); the prefix is the narrowest possible grant.',
  });
  Validations.of(service.secrets.stateKey).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'The login-state key protects cookies that live 10 minutes; rotate it by updating the secret (in-flight logins restart). A rotation Lambda would add no security.',
  });
  Validations.of(service.httpApi).acknowledge({
    id: 'AwsSolutions-APIG4',
    reason:
      'The login routes (initiate login, callback, /me, logout, health) are public by design: they are how a user gets authenticated. App routes use the session authorizer.',
  });
  void stack;
}
