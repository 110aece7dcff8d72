import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
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
    expect(violations(stack).sort()).toEqual(
      [
        'AwsSolutions-APIG4',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:okta-login/client-secret/*]',
        'AwsSolutions-L1',
        'AwsSolutions-SMG4',
      ].sort(),
    );
  });
});
