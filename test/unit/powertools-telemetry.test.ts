import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  PowertoolsLoginTelemetry,
  PowertoolsUniversalLogoutTelemetry,
} from '../../shared/adapters/powertools-telemetry.ts';

interface EmfLine {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
  [key: string]: unknown;
}

/** The EMF lines Powertools writes to stdout while `fn` runs. */
function emfLines(fn: (metrics: Metrics) => void): EmfLine[] {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  vi.stubEnv('POWERTOOLS_DEV', 'false');
  const written: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    fn(new Metrics({ namespace: 'OktaLoginTest', serviceName: 'okta-login' }));
  } finally {
    write.mockRestore();
  }
  return written
    .join('')
    .split('\n')
    .filter((line) => line.includes('CloudWatchMetrics'))
    .map((line) => JSON.parse(line) as EmfLine);
}

describe('PowertoolsLoginTelemetry', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('writes one LoginSuccess line per login, split by first or returning', () => {
    const lines = emfLines((metrics) => {
      const telemetry = new PowertoolsLoginTelemetry(metrics);
      telemetry.loginSucceeded('acme', true);
      telemetry.loginSucceeded('acme', false);
    });
    expect(lines).toHaveLength(2);
    expect(lines.map((line) => [line.kind, line.LoginSuccess])).toEqual([
      ['first', 1],
      ['returning', 1],
    ]);
    const [definition] = lines[0]?._aws.CloudWatchMetrics ?? [];
    expect(definition?.Namespace).toBe('OktaLoginTest');
    expect(definition?.Dimensions[0]).toEqual(expect.arrayContaining(['service', 'kind']));
    // The tenant is not a dimension: cardinality stays bounded.
    expect(JSON.stringify(lines)).not.toContain('acme');
  });

  it('counts a failure by reason and in total, without the reason leaking into the total or the next login', () => {
    const lines = emfLines((metrics) => {
      const telemetry = new PowertoolsLoginTelemetry(metrics);
      telemetry.loginFailed('ID_TOKEN_INVALID');
      telemetry.loginSucceeded('acme', false);
    });
    expect(lines.map((line) => ({ reason: line.reason, kind: line.kind, failure: line.LoginFailure }))).toEqual([
      { reason: 'ID_TOKEN_INVALID', kind: undefined, failure: 1 },
      { reason: undefined, kind: undefined, failure: 1 },
      { reason: undefined, kind: 'returning', failure: undefined },
    ]);
    expect(lines[1]?._aws.CloudWatchMetrics[0]?.Dimensions[0]).toEqual(['service']);
  });
});

describe('PowertoolsUniversalLogoutTelemetry', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('writes one UniversalLogout line per call with its outcome, the outcome not leaking into the next', () => {
    const lines = emfLines((metrics) => {
      const telemetry = new PowertoolsUniversalLogoutTelemetry(metrics);
      telemetry.answered('unauthorized');
      telemetry.answered('revoked');
    });
    expect(lines.map((line) => [line.outcome, line.UniversalLogout])).toEqual([
      ['unauthorized', 1],
      ['revoked', 1],
    ]);
    // The alarm watches exactly this series: {service, outcome}.
    expect(lines[0]?._aws.CloudWatchMetrics[0]?.Dimensions[0]?.sort()).toEqual(['outcome', 'service']);
  });
});
