import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LambdaHandler, type LocalServer, startLocalServer } from '../../local/server.ts';
import { DEFAULT_ROUTE_KEY, type FunctionName, ROUTES } from '../../shared/routes.ts';
import { synthStack } from './support.ts';

/**
 * The routes API Gateway serves (as CDK synthesizes them) and the routes the
 * local server serves (`npm start`, the e2e tests) are the same: the same
 * route keys, each to the same function, behind the authorizer on both or on
 * neither. Both read shared/routes.ts; this test fails when either side adds,
 * drops or re-targets a route on its own.
 */

interface ServedRoute {
  readonly function: string;
  readonly authorized: boolean;
}

type RouteResource = {
  Properties: {
    RouteKey: string;
    Target: { 'Fn::Join': [string, [string, { Ref: string }]] };
    AuthorizationType: string;
  };
};
type IntegrationResource = { Properties: { IntegrationUri: { 'Fn::GetAtt': [string, string] } } };

/** Route key → the function (`LoginService<Name>Function…` → `name`) and authorizer of every synthesized route. */
function synthesizedRoutes(template: Template): Map<string, ServedRoute> {
  const integrations = template.findResources('AWS::ApiGatewayV2::Integration') as Record<string, IntegrationResource>;
  const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as RouteResource[];
  return new Map(
    routes.map(({ Properties: route }) => {
      const integrationId = route.Target['Fn::Join'][1][1].Ref;
      const functionId = integrations[integrationId]?.Properties.IntegrationUri['Fn::GetAtt'][0] ?? '';
      const name = /^LoginService(\w+?)Function[0-9A-F]{8}$/.exec(functionId)?.[1] ?? functionId;
      const served = {
        function: `${name[0]?.toLowerCase()}${name.slice(1)}`,
        authorized: route.AuthorizationType === 'CUSTOM',
      };
      return [route.RouteKey, served] as const;
    }),
  );
}

/** A path the route matches: every `{param}` filled in, a greedy `{proxy+}` with two segments. */
function samplePath(routeKey: string): string {
  if (routeKey === DEFAULT_ROUTE_KEY) return '/no-route-has-this-path';
  const path = routeKey.split(' ')[1] ?? '';
  return path.replace(/\{\w+\+\}/g, 'Users/u1').replace(/\{\w+\}/g, 'acme');
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

describe('Routes: API Gateway (CDK) and the local server', () => {
  let synthesized: Map<string, ServedRoute>;
  let server: LocalServer;
  let authorizerCalls = 0;

  beforeAll(async () => {
    synthesized = synthesizedRoutes(synthStack().template);
    // Every function answers which function it is and which route key the local API Gateway gave it.
    const answer =
      (name: FunctionName): LambdaHandler =>
      async (event) => ({ statusCode: 200, body: JSON.stringify({ function: name, routeKey: event.routeKey }) });
    const handlers = Object.fromEntries(
      [...new Set(ROUTES.map((route) => route.function))].map((name) => [name, answer(name)]),
    ) as Record<FunctionName, LambdaHandler>;
    server = await startLocalServer({
      port: 0,
      handlers,
      authorizer: async () => {
        authorizerCalls += 1;
        return { isAuthorized: true, context: {} };
      },
    });
  });
  afterAll(() => server?.close());

  /** What the local server does with a request: the route key and function it picked, and whether it authorized. */
  async function localServes(method: string, path: string): Promise<{ routeKey: string } & ServedRoute> {
    const before = authorizerCalls;
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`, { method });
    expect(response.status, `${method} ${path}`).toBe(200);
    const body = (await response.json()) as { routeKey: string; function: string };
    return { ...body, authorized: authorizerCalls > before };
  }

  it('serves every synthesized route locally, by the same function, behind the authorizer on both or neither', async () => {
    expect(synthesized.size).toBeGreaterThan(0);
    for (const [routeKey, served] of synthesized) {
      const method = routeKey === DEFAULT_ROUTE_KEY || routeKey.startsWith('ANY ') ? 'GET' : routeKey.split(' ')[0];
      const local = await localServes(method ?? 'GET', samplePath(routeKey));
      expect(local, routeKey).toEqual({ routeKey, ...served });
    }
  });

  it('serves no route locally that API Gateway lacks, for any method on any route’s path', async () => {
    // The local server's routes are found by asking it: every method on a path of every route either
    // side knows. Each answer names the route key it matched; each must be one CDK synthesized.
    const paths = new Set([...synthesized.keys(), ...ROUTES.map((route) => route.routeKey)].map(samplePath));
    const localKeys = new Set<string>();
    for (const path of paths) {
      for (const method of METHODS) localKeys.add((await localServes(method, path)).routeKey);
    }
    expect([...localKeys].sort()).toEqual([...synthesized.keys()].sort());
  });
});
