import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { LoginTelemetry } from '../ports.ts';

/**
 * Login outcomes as CloudWatch metrics in Embedded Metric Format (written to
 * the log, no API call on the hot path). `LoginFailure` carries the failure
 * code as a dimension so alarms and dashboards can split by reason; the code
 * set is small and fixed, so cardinality stays bounded.
 */
export class PowertoolsLoginTelemetry implements LoginTelemetry {
  readonly #metrics: Metrics;

  constructor(metrics: Metrics = new Metrics({ defaultDimensions: {} })) {
    this.#metrics = metrics;
  }

  loginSucceeded(_tenantId: string, firstLogin: boolean): void {
    const metric = this.#metrics.singleMetric();
    metric.addDimension('kind', firstLogin ? 'first' : 'returning');
    metric.addMetric('LoginSuccess', MetricUnit.Count, 1);
  }

  loginFailed(reason: string): void {
    // Once per reason (dashboards) and once in total (one alarm needs one metric: alarms cannot SEARCH).
    const byReason = this.#metrics.singleMetric();
    byReason.addDimension('reason', reason);
    byReason.addMetric('LoginFailure', MetricUnit.Count, 1);
    this.#metrics.singleMetric().addMetric('LoginFailure', MetricUnit.Count, 1);
  }
}
