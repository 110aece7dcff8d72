/**
 * Example of an app route behind the session authorizer: it trusts the
 * authorizer's context (API Gateway only invokes it when authorized) and
 * echoes who is calling. Copy this shape for the app's own APIs.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';
import type { AuthorizerContext } from '../shared/authorizer.ts';
import { createHttpHandler } from '../shared/http/middleware.ts';
import { json } from '../shared/http/responses.ts';

export const handler = createHttpHandler(
  {
    'GET /app/whoami': async (event) => {
      const caller = (event as unknown as APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>).requestContext
        .authorizer.lambda;
      return json(200, {
        authMethod: caller.authMethod,
        tenant: caller.tenant,
        userId: caller.userId,
        role: caller.role,
        roles: caller.roles ? caller.roles.split(',') : [],
      });
    },
  },
  { logger: new Logger() },
);
