import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { acknowledgeNagFindings } from '../../infra/nag-suppressions.ts';
import { synthStack } from './support.ts';

// The construct layer: which findings there are and that each acknowledgement is needed.
// That the app registers the checks as a synth-time plugin and passes is proven by the app
// (login-app.test.ts) and by the real `cdk synth` (bundles.test.ts).
describe('cdk-nag AwsSolutions on LoginStack', () => {
  const violations = (stack: Stack) =>
    new AwsSolutionsChecks().validateScope(stack).violations.map((violation) => violation.ruleName);

  it.each([false, true])('has no unacknowledged finding (tracing and a destroyable dev stack: %s)', (variant) => {
    const { stack } = synthStack(
      { service: { tracing: variant, removalPolicy: variant ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN } },
      'Nag',
    );
    acknowledgeNagFindings(stack.service);
    expect(violations(stack)).toEqual([]);
  });

  it('finds the acknowledged exceptions when they are not acknowledged (the check is real)', () => {
    const { stack } = synthStack({}, 'NagBare');
    const rotation = stack.service.functions.keyRotation;
    const rotationId = stack.getLogicalId(rotation.node.defaultChild as CfnFunction);
    expect(rotationId).toMatch(/^LoginServiceKeyRotationFunction/);
    // Each acknowledgement is needed where it is: SMG4 on both secrets.
    const smg4 = new AwsSolutionsChecks()
      .validateScope(stack)
      .violations.filter((violation) => violation.ruleName === 'AwsSolutions-SMG4')
      .flatMap((violation) => violation.violatingResources.map((resource) => resource.constructPath));
    expect(smg4.sort()).toEqual([
      'NagBare/LoginService/Secrets/StateKey/Resource',
      'NagBare/LoginService/SigningKeys/PrivateKeys/Resource',
    ]);
    expect(violations(stack).sort()).toEqual(
      [
        'AwsSolutions-APIG4',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:okta-login/client-secret/*]',
        'AwsSolutions-L1',
        'AwsSolutions-SMG4', // the login-state key, and the signing keys (rotated by a schedule of ours)
        // The custom resource framework may invoke the rotation function and its versions, nothing else.
        `AwsSolutions-IAM5[Resource::<${rotationId}.Arn>:*]`,
      ].sort(),
    );
  });
});
