import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { statementsOf, synthStack } from './support.ts';

describe('Construct: LoginService secrets and LoginStack outputs', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStack().template;
  });

  it('generates the login-state key in Secrets Manager (never in the template)', () => {
    // The other secret is the session signing keys' (session-keys.test.ts).
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
      SecretString: Match.absent(),
    });
  });

  it('uses the clientSecretPrefix prop in the grant, the environment and the output', () => {
    const custom = synthStack({ service: { clientSecretPrefix: 'acme/okta/' } }).template;
    expect(JSON.stringify(statementsOf(custom, 'LoginServiceLoginFunctionRole'))).toContain(':secret:acme/okta/*');
    expect(custom.findOutputs('ClientSecretPrefix').ClientSecretPrefix?.Value).toBe('acme/okta/');
  });

  it('outputs what a platform team pastes into Okta and the CLI', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'ApiUrl',
        'CallbackUriPattern',
        'ClientSecretPrefix',
        'LoginUriPattern',
        'StateKeySecretArn',
        'JwksUri',
        'SessionTokenUri',
        'SessionTokenIssuer',
        'SigningKeysSecretArn',
        'TableName',
        'UniversalLogoutUriPattern',
      ].sort(),
    );
    expect(JSON.stringify(outputs.UniversalLogoutUriPattern?.Value)).toContain('/t/<tenant>/global-token-revocation');
    expect(JSON.stringify(outputs.LoginUriPattern?.Value)).toContain('/t/<tenant>/login');
    expect(JSON.stringify(outputs.CallbackUriPattern?.Value)).toContain('/t/<tenant>/callback');
    expect(outputs.ClientSecretPrefix?.Value).toBe('okta-login/client-secret/');
    expect(outputs.TableName?.Value).toEqual({ Ref: expect.stringMatching(/^LoginServiceTable/) });
  });
});
