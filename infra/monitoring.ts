import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface LoginMonitoringProps {
  readonly api: HttpApi;
  readonly functions: Record<string, IFunction>;
  /** Namespace of the metrics the code emits. @default 'OktaLogin' */
  readonly metricsNamespace?: string;
  /** POWERTOOLS_SERVICE_NAME of the functions. @default 'okta-login' */
  readonly serviceName?: string;
  /** Where alarms notify. @default no action */
  readonly alarmTopic?: ITopic;
  /** Login failures per 5 minutes that page someone. @default 25 */
  readonly loginFailureThreshold?: number;
}

/**
 * Alarms a platform team needs: 5xx rate of the API, errors and throttles of
 * every function, and login failures (the `LoginFailure` metric the code
 * emits, in total; split by `reason` on dashboards). Reasons that point at a
 * broken dependency (Okta unreachable, DynamoDB unavailable) alarm on their own.
 */
export class LoginMonitoring extends Construct {
  readonly alarms: Alarm[] = [];
  readonly #alarmTopic: ITopic | undefined;

  constructor(scope: Construct, id: string, props: LoginMonitoringProps) {
    super(scope, id);
    this.#alarmTopic = props.alarmTopic;
    const period = Duration.minutes(5);
    const namespace = props.metricsNamespace ?? 'OktaLogin';
    const service = props.serviceName ?? 'okta-login';

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
        metricName: 'LoginFailure',
        dimensionsMap: { service, ...dimensions },
        period,
        statistic: 'Sum',
      });
    this.add(
      'LoginFailures',
      loginFailures({}),
      props.loginFailureThreshold ?? 25,
      'Many logins failed: see the LoginFailure metric by reason.',
    );
    for (const reason of [
      'TOKEN_ENDPOINT_FAILED',
      'DISCOVERY_FAILED',
      'JWKS_FAILED',
      'STORE_UNAVAILABLE',
      'ID_TOKEN_INVALID',
    ]) {
      this.add(`LoginFailure${reason}`, loginFailures({ reason }), 5, `Logins failing with ${reason}.`);
    }
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
