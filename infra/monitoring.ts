import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { ErrorCode } from '../shared/errors.ts';
import { LOGIN_FAILURE_METRIC } from '../shared/login-metrics.ts';
import { UNIVERSAL_LOGOUT_METRIC, type UniversalLogoutOutcome } from '../shared/universal-logout/outcomes.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from './service-function.ts';
import { requireInteger } from './validation.ts';

export interface LoginMonitoringProps {
  /** The API whose 5xx rate is watched. */
  readonly api: IHttpApi;
  /** Functions whose errors and throttles are watched, by a short name used in alarm ids. */
  readonly functions: Record<string, IFunction>;
  /** Namespace of the metrics the code emits (POWERTOOLS_METRICS_NAMESPACE). @default METRICS_NAMESPACE ('OktaLogin') */
  readonly metricsNamespace?: string;
  /** POWERTOOLS_SERVICE_NAME of the functions: the `service` dimension. @default SERVICE_NAME ('okta-login') */
  readonly serviceName?: string;
  /** Where alarms notify. @default no action */
  readonly alarmTopic?: ITopic;
  /** Login failures per 5 minutes that page someone. @default 25 */
  readonly loginFailureThreshold?: number;
  /** Universal Logout calls refused with 401 per 5 minutes that page someone. @default 10 */
  readonly universalLogoutUnauthorizedThreshold?: number;
}

/** The Universal Logout outcome that alarms: a 401 (forged, replayed or misconfigured calls). */
export const ALARMED_UNIVERSAL_LOGOUT_OUTCOME: UniversalLogoutOutcome = 'unauthorized';

/**
 * Login failure reasons that alarm on their own (5 in 5 minutes): they point at
 * a broken dependency or a misconfigured tenant rather than at one user.
 * User-driven reasons (STATE_INVALID from a stale tab, USER_NOT_ASSIGNED,
 * AUTHORIZATION_CODE_REJECTED from a bogus or reused code) only count toward
 * the total. CLIENT_AUTH_FAILED (the client secret is wrong or was rotated in
 * Okta) has its own alarm, apart from TOKEN_ENDPOINT_FAILED (Okta down or slow).
 */
export const ALARMED_FAILURE_REASONS = [
  'TOKEN_ENDPOINT_FAILED',
  'CLIENT_AUTH_FAILED',
  'TOKEN_REQUEST_REJECTED',
  'DISCOVERY_FAILED',
  'JWKS_FAILED',
  'STORE_UNAVAILABLE',
  'ID_TOKEN_INVALID',
  'CONFIGURATION_ERROR',
] as const satisfies readonly ErrorCode[];

/**
 * Alarms a platform team needs: 5xx rate of the API, errors and throttles of
 * every function, login failures, and repeated 401s at Universal Logout.
 *
 * Login failures come from the code as Powertools EMF metrics: `LoginFailure`
 * is emitted twice per failure, once with dimensions {service, reason} and
 * once with {service} only. CloudWatch alarms cannot use SEARCH expressions,
 * so the total alarm watches the {service} series (one metric instead of a
 * math expression over every reason, which would silently miss a reason added
 * later); the reasons in `ALARMED_FAILURE_REASONS` alarm on their own.
 */
export class LoginMonitoring extends Construct {
  readonly alarms: Alarm[] = [];
  readonly #alarmTopic: ITopic | undefined;

  constructor(scope: Construct, id: string, props: LoginMonitoringProps) {
    super(scope, id);
    this.#alarmTopic = props.alarmTopic;
    const failureThreshold = requireInteger(
      this,
      'loginFailureThreshold',
      props.loginFailureThreshold ?? 25,
      1,
      1_000_000,
    );
    const period = Duration.minutes(5);
    const namespace = props.metricsNamespace ?? METRICS_NAMESPACE;
    const service = props.serviceName ?? SERVICE_NAME;

    const serverErrors = props.api.metricServerError({ period, statistic: 'Sum' });
    const requests = props.api.metricCount({ period, statistic: 'Sum' });
    this.add(
      'Api5xxRate',
      new MathExpression({
        expression: 'IF(requests >= 20, 100 * errors / requests, 0)',
        usingMetrics: { errors: serverErrors, requests },
        period,
        label: '5xx rate (%)',
      }),
      5,
      'More than 5% of requests failed with a 5xx in 5 minutes.',
    );

    for (const [name, fn] of Object.entries(props.functions)) {
      this.add(`${name}Errors`, fn.metricErrors({ period, statistic: 'Sum' }), 1, `${name} function errors.`);
      this.add(`${name}Throttles`, fn.metricThrottles({ period, statistic: 'Sum' }), 1, `${name} function throttled.`);
    }

    const loginFailures = (dimensions: Record<string, string>) =>
      new Metric({
        namespace,
        metricName: LOGIN_FAILURE_METRIC,
        dimensionsMap: { service, ...dimensions },
        period,
        statistic: 'Sum',
      });
    this.add(
      'LoginFailures',
      loginFailures({}),
      failureThreshold,
      `Many logins failed: see the ${LOGIN_FAILURE_METRIC} metric by reason.`,
    );
    for (const reason of ALARMED_FAILURE_REASONS) {
      this.add(`LoginFailure${reason}`, loginFailures({ reason }), 5, `Logins failing with ${reason}.`);
    }

    // Okta calls Universal Logout rarely and with a fresh, valid token each time: repeated 401s
    // are someone forging or replaying calls, or a tenant whose org URL or Okta app is wrong.
    const unauthorizedThreshold = requireInteger(
      this,
      'universalLogoutUnauthorizedThreshold',
      props.universalLogoutUnauthorizedThreshold ?? 10,
      1,
      1_000_000,
    );
    this.add(
      'UniversalLogoutUnauthorized',
      new Metric({
        namespace,
        metricName: UNIVERSAL_LOGOUT_METRIC,
        dimensionsMap: { service, outcome: ALARMED_UNIVERSAL_LOGOUT_OUTCOME },
        period,
        statistic: 'Sum',
      }),
      unauthorizedThreshold,
      'Universal Logout calls refused with 401: forged or replayed tokens, or a tenant whose --org-url or Okta app is wrong (see the function logs by reason).',
    );
  }

  private add(id: string, metric: Metric | MathExpression, threshold: number, description: string): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    this.alarms.push(alarm);
    if (this.#alarmTopic) alarm.addAlarmAction(new SnsAction(this.#alarmTopic));
  }
}
