import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  ApiMapping,
  type CfnStage,
  DomainName,
  HttpApi,
  type HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import { DEFAULT_ROUTE_KEY, type FunctionName, ROUTES } from '../shared/routes.ts';
import { validationError } from './validation.ts';

const DOMAIN_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** The stage's limits when the props give none: requests per second, and burst. */
const DEFAULT_THROTTLING = { rateLimit: 200, burstLimit: 400 } as const;

/** The stage's throttling, and which of its values are known at synth (not tokens). */
interface Throttling {
  readonly rate: number;
  readonly burst: number;
  readonly rateKnown: boolean;
  readonly burstKnown: boolean;
}

/**
 * The path of a route of `shared/routes.ts`, its parameters written `<name>`
 * (e.g. `/t/<tenant>/login`), for outputs and documentation. Throws when the
 * table has no such route, so an output never names a path the API does not serve.
 */
export function routePathPattern(routeKey: string): string {
  const route = ROUTES.find((candidate) => candidate.routeKey === routeKey);
  const path = route?.routeKey.split(' ')[1];
  if (!path) throw new Error(`shared/routes.ts has no route ${routeKey}`);
  return path.replace(/\{(\w+)\+?\}/g, '<$1>');
}

export interface CustomDomainProps {
  /** e.g. `login.example.com`. */
  readonly domainName: string;
  /** An ACM certificate for `domainName` in the stack's region. */
  readonly certificate: ICertificate;
}

export interface LoginHttpApiProps {
  /** The function serving each route group of `shared/routes.ts`. */
  readonly functions: Record<FunctionName, IFunction>;
  /** The session authorizer, attached to routes marked `authorized`. */
  readonly authorizerFunction: IFunction;
  /** Steady-state requests per second for the whole API. @default 200 */
  readonly throttlingRateLimit?: number;
  /** Burst requests. @default 400 */
  readonly throttlingBurstLimit?: number;
  /** @default no custom domain: the execute-api URL */
  readonly customDomain?: CustomDomainProps;
  /** Retention of the access logs. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** What happens to the access logs when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * The HTTP API (payload v2) with every route of `shared/routes.ts`, stage
 * throttling, JSON access logs, and an optional custom domain.
 */
export class LoginHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly authorizer: IHttpRouteAuthorizer;
  /** The base URL browsers use: the custom domain when given. */
  readonly url: string;
  /** The custom domain, when given: point DNS at its `regionalDomainName`. */
  readonly domain: DomainName | undefined;

  constructor(scope: Construct, id: string, props: LoginHttpApiProps) {
    super(scope, id);
    const throttling = requireThrottling(this, props);
    requireDomainName(this, props.customDomain?.domainName);
    // No `corsPreflight`: with it, API Gateway answers every OPTIONS itself from one static list for
    // the whole API and drops the CORS headers the functions send. The origins allowed to read a
    // session depend on the session's tenant (the app origins plus that tenant's redirect
    // origins), so the session function answers CORS, preflights included (the `OPTIONS` routes
    // of shared/routes.ts), with `Vary: Origin`.
    this.api = new HttpApi(this, 'Api', { createDefaultStage: false, description: 'Okta tile login service' });
    this.stage = this.#createStage(props, throttling);
    this.authorizer = new HttpLambdaAuthorizer('SessionAuthorizer', props.authorizerFunction, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      // Identity comes from the cookie or the app's own credential, so there is no identity source
      // to key a cache on: API Gateway caching stays off (0 s; CDK's default would be 5 minutes,
      // one decision shared by every caller), and the function caches decisions per session itself.
      identitySource: [],
      resultsCacheTtl: Duration.seconds(0),
    });
    this.#addRoutes(props.functions, throttling);
    if (props.customDomain) {
      this.domain = new DomainName(this, 'Domain', {
        domainName: props.customDomain.domainName,
        certificate: props.customDomain.certificate,
      });
      new ApiMapping(this, 'Mapping', { api: this.api, domainName: this.domain, stage: this.stage });
      this.url = `https://${props.customDomain.domainName}`;
    } else {
      this.domain = undefined;
      this.url = this.api.apiEndpoint;
    }
  }

  /** The `$default` stage: throttling, and JSON access logs without anything secret. */
  #createStage(props: LoginHttpApiProps, throttling: Throttling): HttpStage {
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    return new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: throttling.rate, burstLimit: throttling.burst },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // No query strings, headers or cookies: they carry codes and tokens.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latency: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
  }

  /**
   * Every route of `shared/routes.ts`, as the table writes it: one integration
   * per function, the authorizer where a route is `authorized`, and the
   * route's own throttling where it sets one.
   */
  #addRoutes(functions: Record<FunctionName, IFunction>, throttling: Throttling): void {
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const route of ROUTES) {
      let integration = integrations.get(route.function);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.function}Integration`, functions[route.function]);
        integrations.set(route.function, integration);
      }
      const [method, path] = route.routeKey.split(' ') as [HttpMethod, string];
      const httpRoute = new HttpRoute(this, `Route${route.routeKey.replace(/[^A-Za-z]/g, '')}`, {
        httpApi: this.api,
        routeKey: route.routeKey === DEFAULT_ROUTE_KEY ? HttpRouteKey.DEFAULT : HttpRouteKey.with(path, method),
        integration,
        ...(route.authorized ? { authorizer: this.authorizer } : {}),
      });
      if (route.throttle) {
        routeSettings[route.routeKey] = {
          // Never above the API's own limits (when those are known at synth).
          ThrottlingRateLimit: throttling.rateKnown
            ? Math.min(route.throttle.rateLimit, throttling.rate)
            : route.throttle.rateLimit,
          ThrottlingBurstLimit: throttling.burstKnown
            ? Math.min(route.throttle.burstLimit, throttling.burst)
            : route.throttle.burstLimit,
        };
        // Route settings name the route key: the route must exist before the stage refers to it.
        this.stage.node.addDependency(httpRoute);
      }
    }
    if (Object.keys(routeSettings).length > 0) {
      // Per-route throttling has no L2 prop on HttpStage: set it on the underlying CfnStage.
      (this.stage.node.defaultChild as CfnStage).routeSettings = routeSettings;
    }
  }
}

/** The stage's throttling props, checked where their values are known at synth (not tokens). */
function requireThrottling(scope: IConstruct, props: LoginHttpApiProps): Throttling {
  const rate = props.throttlingRateLimit ?? DEFAULT_THROTTLING.rateLimit;
  const burst = props.throttlingBurstLimit ?? DEFAULT_THROTTLING.burstLimit;
  const rateKnown = !Token.isUnresolved(rate);
  const burstKnown = !Token.isUnresolved(burst);
  if (
    (rateKnown && !(rate > 0)) ||
    (burstKnown && !Number.isInteger(burst)) ||
    (rateKnown && burstKnown && !(burst >= rate))
  ) {
    throw validationError(
      scope,
      'InvalidThrottling',
      `throttling needs rateLimit > 0 and an integer burstLimit >= rateLimit, got rate ${rate}, burst ${burst}`,
    );
  }
  return { rate, burst, rateKnown, burstKnown };
}

/** `customDomain.domainName`: a host name (a token passes). */
function requireDomainName(scope: IConstruct, domainName: string | undefined): void {
  if (domainName !== undefined && !Token.isUnresolved(domainName) && !DOMAIN_NAME.test(domainName)) {
    throw validationError(
      scope,
      'InvalidDomainName',
      `customDomain.domainName must be a host name like login.example.com, got "${domainName}"`,
    );
  }
}
