import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { LOGIN_FAILURE_METRIC, LOGIN_SUCCESS_METRIC } from '../login-metrics.ts';
import type { LoginTelemetry, UniversalLogoutTelemetry } from '../ports.ts';
import { UNIVERSAL_LOGOUT_METRIC } from '../universal-logout/outcomes.ts';

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
    this.#count(LOGIN_SUCCESS_METRIC, ['kind', firstLogin ? 'first' : 'returning']);
  }

  loginFailed(reason: string): void {
    // Once per reason (dashboards) and once in total (one alarm needs one metric: alarms cannot SEARCH).
    this.#count(LOGIN_FAILURE_METRIC, ['reason', reason]);
    this.#count(LOGIN_FAILURE_METRIC);
  }

  /**
   * One EMF line per metric, written at once. The shared instance is used rather
   * than `singleMetric()`, which builds a new Metrics (and a new Console) per call;
   * nothing can interleave between adding and publishing, as no await separates them.
   */
  #count(name: string, dimension?: [string, string]): void {
    if (dimension) this.#metrics.addDimension(...dimension);
    this.#metrics.addMetric(name, MetricUnit.Count, 1);
    this.#metrics.publishStoredMetrics();
  }
}

/**
 * Universal Logout answers as the `UniversalLogout` metric (EMF), one per
 * call, with its outcome as the dimension (a fixed set of nine, see
 * `shared/universal-logout/outcomes.ts`): the `unauthorized` series has an
 * alarm (repeated 401s).
 */
export class PowertoolsUniversalLogoutTelemetry implements UniversalLogoutTelemetry {
  readonly #metrics: Metrics;

  constructor(metrics: Metrics = new Metrics({ defaultDimensions: {} })) {
    this.#metrics = metrics;
  }

  answered(outcome: string): void {
    // Published at once, as for logins: nothing can interleave between adding and publishing.
    this.#metrics.addDimension('outcome', outcome);
    this.#metrics.addMetric(UNIVERSAL_LOGOUT_METRIC, MetricUnit.Count, 1);
    this.#metrics.publishStoredMetrics();
  }
}
