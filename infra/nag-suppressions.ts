import { Stack, Validations } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { LoginService } from './login-service.ts';

/**
 * The cdk-nag AwsSolutions findings this design accepts, each acknowledged on
 * the narrowest construct, for the exact finding (cdk-nag v3 ids carry the
 * offending policy or resource in brackets), with its reason. Everything else
 * must pass: `test/infra/nag.test.ts` runs the checks.
 */
export function acknowledgeNagFindings(service: LoginService): void {
  for (const fn of Object.values(service.functions)) {
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x (LTS, supported by Lambda) is the runtime the code, the bundles and the benchmarks target; moving to a newer runtime is a deliberate ServiceFunction change.',
    });
    if (fn.activeTracing && fn.role) {
      // The policy lives on the execution role, which LoginService creates next to the function.
      Validations.of(fn.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so X-Ray requires Resource "*". No data action is granted on "*".',
      });
    }
  }
  const loginRole = service.functions.login.role;
  // ServiceFunction requires its role, so this holds for every function LoginService makes.
  if (!loginRole) throw new Error('ServiceFunction always has an execution role');
  Validations.of(loginRole).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${service.secrets.clientSecretPrefix}*]`,
    reason:
      'The login function reads tenant client secrets by name prefix (one secret per tenant, `<prefix><tenant>`, created by the tenant CLI after deploy, so their ARNs are unknown at synth); the prefix is the narrowest possible grant, and only GetSecretValue is allowed.',
  });
  const setupRole = service.functions.setup.role;
  if (!setupRole) throw new Error('ServiceFunction always has an execution role');
  Validations.of(setupRole).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${service.secrets.clientSecretPrefix}*]`,
    reason:
      'The setup function writes the client secret of the tenant whose setup link was opened (`<prefix><tenant>`, created on first save, so its ARN is unknown at synth): PutSecretValue, CreateSecret and RestoreSecret (a tenant invited again within the 7-day recovery window) on the prefix only, no read and no delete.',
  });
  Validations.of(service.secrets.stateKey).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'The login-state key only seals cookies that live 10 minutes; rotate it by generating a new value (in-flight logins restart). A rotation Lambda would add cost and no security.',
  });
  Validations.of(service.signingKeys.secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'The session signing keys rotate on a schedule of their own (an EventBridge rule runs the key rotation function daily): a new key must be published for hours before it signs and a retired one stays published until its tokens expire, a key set that Secrets Manager rotation (one current version) cannot express.',
  });
  const rotation = service.functions.keyRotation;
  const rotationId = Stack.of(rotation).getLogicalId(rotation.node.defaultChild as CfnFunction);
  Validations.of(service.signingKeys.providerRole).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${rotationId}.Arn>:*]`,
    reason:
      'The CDK custom resource framework (aws-cdk-lib/custom-resources Provider) invokes the key rotation function once per deploy to create the first key set; its grant covers that one function and its versions (`<arn>:*`), nothing else.',
  });
  Validations.of(service.httpApi).acknowledge({
    id: 'AwsSolutions-APIG4',
    reason:
      'The login routes (initiate login, callback, /me, logout, the signed-in page, health) are public by design: they are how a user gets authenticated, and /me, /logout, /session/token and /signed-in check the session cookie themselves; the CORS preflights (OPTIONS /me, OPTIONS /logout, OPTIONS /session/token) carry no credentials by the Fetch standard, and the functions answer them per origin; the public key set and the discovery document (/.well-known/jwks.json, /.well-known/openid-configuration) are public by definition, for every verifier of session tokens; the setup pages check their own setup link (a 256-bit token) on every request. Universal Logout (global-token-revocation) is called by Okta and verifies its signed JWT itself. App routes use the session authorizer.',
  });
}
