import { Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

export interface AppApiStackProps extends StackProps {
  /** The login service's public URL, exactly the tokens' `iss` (output `SessionTokenIssuer`), e.g. `https://login.example.com`. */
  readonly issuer: string;
  /** The tokens' `aud`: the login service's `appAudience` (default: the origin of its `appUrl`). */
  readonly audience: string;
  /** The app's own code behind the route. */
  readonly handler: IFunction;
}

/**
 * The app's own HTTP API (in the app's CDK app, not the login service's),
 * accepting the login service's session tokens with API Gateway's JWT
 * authorizer: no code of ours runs on the app's requests.
 */
export class AppApiStack extends Stack {
  constructor(scope: Construct, id: string, props: AppApiStackProps) {
    super(scope, id, props);
    // API Gateway reads `<issuer>/.well-known/openid-configuration`, then the JWKS it names (cached
    // up to 2 h, which the service's key publication delay covers), and checks the RS256 signature,
    // `iss`, `aud`, `exp` and `nbf` before the handler runs. The browser app sends the token it got
    // from GET /session/token as `Authorization: Bearer <token>`.
    const sessionTokens = new HttpJwtAuthorizer('SessionTokens', props.issuer, {
      jwtAudience: [props.audience],
    });
    const api = new HttpApi(this, 'AppApi');
    api.addRoutes({
      path: '/api/projects',
      methods: [HttpMethod.GET],
      integration: new HttpLambdaIntegration('Projects', props.handler),
      authorizer: sessionTokens,
    });
    // The handler finds the verified claims in `event.requestContext.authorizer.jwt.claims`: key
    // users on `tenant` + `sub` and check `tenant` against the tenant it serves (the authorizer
    // does not know tenants). `roles` arrives as one string there ("[admin member]"): read `role`.
  }
}
