import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALARMED_FAILURE_REASONS } from '../../infra/monitoring.ts';
import { UNIVERSAL_LOGOUT_METRIC } from '../../shared/universal-logout/outcomes.ts';
import { synthStack } from './support.ts';

type AlarmResource = {
  Properties: { AlarmDescription: string; MetricName?: string; AlarmActions?: unknown[]; Threshold: number };
};
const alarmsOf = (t: Template) => Object.values(t.findResources('AWS::CloudWatch::Alarm')) as AlarmResource[];

describe('Construct: LoginService alarms', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStack().template;
  });

  it('alarm on the API 5xx rate and every function’s errors and throttles', () => {
    const descriptions = alarmsOf(template).map((alarm) => alarm.Properties.AlarmDescription);
    expect(descriptions).toContain('More than 5% of requests failed with a 5xx in 5 minutes.');
    for (const fn of [
      'login',
      'session',
      'universalLogout',
      'health',
      'whoami',
      'authorizer',
      'publicKeys',
      'sessionToken',
      // A failed scheduled rotation pages someone: keys would age past their rotation.
      'keyRotation',
    ]) {
      expect(descriptions).toContain(`${fn} function errors.`);
      expect(descriptions).toContain(`${fn} function throttled.`);
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: Match.stringLikeRegexp('errors / requests') }),
        Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: '5xx' }) }) }),
      ]),
    });
  });

  it('alarm on LoginFailure in total and for each dependency reason, as the code emits it', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'LoginFailure',
      Namespace: 'OktaLogin',
      Statistic: 'Sum',
      Dimensions: [{ Name: 'service', Value: 'okta-login' }],
      Threshold: 25,
    });
    for (const reason of ALARMED_FAILURE_REASONS) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'LoginFailure',
        Namespace: 'OktaLogin',
        Dimensions: Match.arrayWith([{ Name: 'reason', Value: reason }]),
      });
    }
  });

  it('alarm on repeated 401s at Universal Logout, from the metric the code emits', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'UniversalLogout',
      Namespace: 'OktaLogin',
      Statistic: 'Sum',
      Period: 300,
      Dimensions: Match.arrayWith([
        { Name: 'outcome', Value: 'unauthorized' },
        { Name: 'service', Value: 'okta-login' },
      ]),
      Threshold: 10,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(UNIVERSAL_LOGOUT_METRIC).toBe('UniversalLogout');
  });

  it('have no actions by default and notify the alarm topic when given', () => {
    expect(alarmsOf(template).every((alarm) => alarm.Properties.AlarmActions === undefined)).toBe(true);
    const topicArn = 'arn:aws:sns:us-east-1:123456789012:ops';
    const alarms = alarmsOf(synthStack({ alarmTopicArn: topicArn }).template);
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([topicArn]);
  });
});
