import { readFileSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { AppApiStack } from '../../infra/examples/app-api.ts';
import { repositoryPath } from '../../infra/paths.ts';
import { appWithoutBundling, synthStack } from './support.ts';

/** The marker line in infra/README.md right above the example's code block. */
const MARKER = '<!-- infra/examples/app-api.ts, synthesized by test/infra/app-api-example.test.ts -->';

describe('infra/README.md: API Gateway’s JWT authorizer on the app’s own API', () => {
  it('shows exactly the example this test synthesizes', () => {
    const readme = readFileSync(repositoryPath('infra/README.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf(MARKER)))?.[1];
    expect(readme).toContain(MARKER);
    expect(block).toBe(readFileSync(repositoryPath('infra/examples/app-api.ts'), 'utf8'));
  });

  it('verifies session tokens with our issuer and the app audience, on the app’s route', () => {
    // The login service on its custom domain: its issuer is what the example is given.
    const { stack: login } = synthStack({
      customDomain: {
        domainName: 'login.example.com',
        certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/x',
      },
      service: { appUrl: 'https://app.example.com/' },
    });
    const app = appWithoutBundling();
    const code = new Stack(app, 'AppCode');
    const handler = new LambdaFunction(code, 'Projects', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async (event) => ({ statusCode: 200 });'),
    });
    const stack = new AppApiStack(app, 'AppApi', {
      issuer: login.service.issuer,
      audience: 'https://app.example.com',
      handler,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      // API Gateway fetches https://login.example.com/.well-known/openid-configuration from it.
      JwtConfiguration: { Issuer: 'https://login.example.com', Audience: ['https://app.example.com'] },
    });
    const [authorizerId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'));
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /api/projects',
      AuthorizationType: 'JWT',
      AuthorizerId: { Ref: authorizerId },
    });
    // The issuer is exactly the tokens' `iss` and the discovery document's `issuer`: the origin, no slash.
    expect(login.service.issuer).toBe('https://login.example.com');
  });
});
