/**
 * The CDK app (`npx cdk synth`, `npx cdk deploy`). Environment-agnostic: no
 * account lookups, so it synthesizes offline. Context keys (`-c key=value`):
 *   allowedRedirectOrigins  comma-separated https origins for target_link_uri
 *   customDomainName        e.g. login.example.com (needs certificateArn)
 *   certificateArn          ACM certificate for the custom domain, same region
 *   dev                     "true": table destroyed with the stack (development only)
 *   stackName               default OktaLogin
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LoginStack } from './login-stack.ts';
import { acknowledgeNagFindings } from './nag-suppressions.ts';

const app = new App();
const context = (key: string): string | undefined => {
  const value = app.node.tryGetContext(key);
  return value === undefined || value === '' ? undefined : String(value);
};
const domainName = context('customDomainName');
const certificateArn = context('certificateArn');
if (Boolean(domainName) !== Boolean(certificateArn)) {
  throw new TypeError('customDomainName and certificateArn go together: give both or neither');
}

const stack = new LoginStack(app, context('stackName') ?? 'OktaLogin', {
  description: 'Okta tile login service',
  service: {
    allowedRedirectOrigins: (context('allowedRedirectOrigins') ?? '').split(',').filter(Boolean),
    dev: context('dev') === 'true',
  },
  ...(domainName && certificateArn ? { customDomain: { domainName, certificateArn } } : {}),
});
acknowledgeNagFindings(stack, stack.service);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
