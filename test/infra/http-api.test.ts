import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { LoginService } from '../../infra/login-service.ts';
import { ROUTES } from '../../shared/routes.ts';
import { appWithoutBundling, functionsOf, synthStack } from './support.ts';

describe('Construct: LoginService HTTP API', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStack().template;
  });

  it('serves exactly the routes of shared/routes.ts with payload 2.0 integrations', () => {
    const keys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => (route as { Properties: { RouteKey: string } }).Properties.RouteKey,
    );
    expect(keys.sort()).toEqual(ROUTES.map((route) => route.routeKey).sort());
    const integrations = Object.values(template.findResources('AWS::ApiGatewayV2::Integration'));
    expect(integrations).toHaveLength(new Set(ROUTES.map((route) => route.function)).size);
    for (const integration of integrations) {
      expect(integration).toMatchObject({
        Properties: { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' },
      });
    }
  });

  it('protects only the authorized routes, with an uncached simple-response authorizer', () => {
    for (const route of ROUTES) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: route.routeKey,
        AuthorizationType: route.authorized ? 'CUSTOM' : 'NONE',
      });
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      AuthorizerPayloadFormatVersion: '2.0',
      IdentitySource: [],
      // No identity source to key a cache on: a cached decision would be shared by every caller.
      AuthorizerResultTtlInSeconds: 0,
    });
  });

  it('routes the signed-in page and the CORS preflights of /me and /logout to the session function, unauthorized', () => {
    type RouteResource = { Properties: { RouteKey: string; Target: unknown; AuthorizationType: string } };
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as RouteResource[];
    const route = (key: string) => routes.find((candidate) => candidate.Properties.RouteKey === key);
    const me = route('GET /me');
    expect(me).toBeDefined();
    for (const key of ['GET /signed-in', 'OPTIONS /me', 'OPTIONS /logout']) {
      // The same integration as GET /me: the session function, which answers each origin per tenant.
      expect(route(key), key).toMatchObject({
        Properties: { Target: me?.Properties.Target, AuthorizationType: 'NONE' },
      });
    }
    // Throttled as /me is: by the stage's defaults, with no budget of their own.
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage')) as Array<{
      Properties: { RouteSettings?: Record<string, unknown> };
    }>;
    for (const key of ['GET /me', 'GET /signed-in', 'OPTIONS /me', 'OPTIONS /logout']) {
      expect(stage?.Properties.RouteSettings?.[key], key).toBeUndefined();
    }
  });

  it('leaves CORS to the functions: API Gateway would answer preflights itself and drop their headers', () => {
    const [api] = Object.values(template.findResources('AWS::ApiGatewayV2::Api')) as Array<{
      Properties: Record<string, unknown>;
    }>;
    expect(api?.Properties.CorsConfiguration).toBeUndefined();
  });

  it('throttles the default stage and writes access logs without query strings', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
      AccessLogSettings: Match.objectLike({ Format: Match.stringLikeRegexp('"status":"\\$context.status"') }),
    });
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
    expect(JSON.stringify(stage)).not.toMatch(/querystring|cookie|header\./i);
  });

  it('throttles the setup link’s routes on their own, below the stage', () => {
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage')) as Array<{
      Properties: { RouteSettings?: Record<string, unknown> };
      DependsOn?: string[];
    }>;
    const setupRoutes = ROUTES.filter((route) => route.function === 'setup').map((route) => route.routeKey);
    expect(setupRoutes).toHaveLength(5);
    expect(Object.keys(stage?.Properties.RouteSettings ?? {})).toEqual(expect.arrayContaining(setupRoutes));
    for (const key of setupRoutes) {
      expect(stage?.Properties.RouteSettings?.[key]).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 20 });
    }
    // The stage is deployed after the routes its settings name.
    const routeIds = Object.keys(template.findResources('AWS::ApiGatewayV2::Route'));
    const setupRouteIds = routeIds.filter((id) => /Route(GET|POST)ttenantsetup/.test(id));
    expect(setupRouteIds).toHaveLength(5);
    expect(stage?.DependsOn).toEqual(expect.arrayContaining(setupRouteIds));
  });

  it('throttles the SCIM route on its own, below the API, and serves it from the SCIM function', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: {
        'ANY /t/{tenant}/scim/v2/{proxy+}': { ThrottlingRateLimit: 25, ThrottlingBurstLimit: 50 },
      },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'ANY /t/{tenant}/scim/v2/{proxy+}' });
    // Never above the API's own limit.
    synthStack({ service: { throttlingRateLimit: 10, throttlingBurstLimit: 20 } }).template.hasResourceProperties(
      'AWS::ApiGatewayV2::Stage',
      { RouteSettings: { 'ANY /t/{tenant}/scim/v2/{proxy+}': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 } } },
    );
  });

  it('uses the throttling props', () => {
    synthStack({ service: { throttlingRateLimit: 50, throttlingBurstLimit: 75 } }).template.hasResourceProperties(
      'AWS::ApiGatewayV2::Stage',
      { DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 75 } },
    );
  });

  it('serves a custom domain when given, sets PUBLIC_URL to it and outputs the DNS target', () => {
    const custom = synthStack({
      customDomain: {
        domainName: 'login.example.com',
        certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      },
    }).template;
    custom.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'login.example.com',
      DomainNameConfigurations: [
        Match.objectLike({ CertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' }),
      ],
    });
    custom.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    for (const fn of Object.values(functionsOf(custom))) {
      expect(fn.Properties.Environment.Variables.PUBLIC_URL).toBe('https://login.example.com');
    }
    const outputs = custom.findOutputs('*');
    expect(outputs.ApiUrl?.Value).toBe('https://login.example.com');
    expect(outputs.LoginUriPattern?.Value).toBe('https://login.example.com/t/<tenant>/login');
    expect(outputs.CustomDomainTarget).toBeDefined();
  });

  it('has no custom domain by default', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    expect(template.findOutputs('CustomDomainTarget')).toEqual({});
  });

  describe('as a construct in another app', () => {
    it('attaches the session authorizer to the app’s own routes given as props', () => {
      const stack = new Stack(appWithoutBundling(), 'AppWithRoutes');
      const handler = new LambdaFunction(stack, 'Projects', {
        runtime: Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: Code.fromInline('export const handler = async () => ({ statusCode: 200 })'),
      });
      const service = new LoginService(stack, 'Login', {
        protectedRoutes: [{ path: '/api/projects/{id}', method: HttpMethod.GET, handler }],
      });
      expect(service.api).toBe(service.httpApi.api);
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: 'GET /api/projects/{id}',
        AuthorizationType: 'CUSTOM',
      });
    });
  });
});
