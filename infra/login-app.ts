import { App, type AppProps, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LoginStack } from './login-stack.ts';
import { acknowledgeNagFindings } from './nag-suppressions.ts';
import { validationError } from './validation.ts';

/**
 * The context keys the app reads (`npx cdk deploy -c key=value`, or
 * `"context"` in cdk.json). Everything else is a `LoginService` prop with its
 * documented default.
 */
export const CONTEXT_KEYS = {
  /** Comma-separated https origins `target_link_uri` may point to. Default: none (relative paths only). */
  allowedRedirectOrigins: 'allowedRedirectOrigins',
  /** A path on the service where users land after login when no target, tenant default or `appUrl` applies. Default: the built-in signed-in page. */
  defaultRedirectPath: 'defaultRedirectPath',
  /**
   * The app users land on after login, e.g. `https://app.example.com/home`
   * (env `APP_URL` when the key is not given); on the same site as
   * `customDomainName`. Default: none.
   */
  appUrl: 'appUrl',
  /** Comma-separated more https origins of the app that may read the session (env `APP_ORIGINS`). Default: none. */
  appOrigins: 'appOrigins',
  /**
   * The `aud` of session tokens, any absolute URI (env `APP_AUDIENCE`).
   * Default: `appUrl`'s origin.
   */
  appAudience: 'appAudience',
  /** Custom domain, e.g. `login.example.com`; needs `certificateArn`. Default: the execute-api URL. */
  customDomainName: 'customDomainName',
  /** ACM certificate for the custom domain, in the stack's region. */
  certificateArn: 'certificateArn',
  /** SNS topic ARN the alarms notify. Default: alarms without actions. */
  alarmTopicArn: 'alarmTopicArn',
  /** `true`: X-Ray active tracing on every function. Default `false`. */
  tracing: 'tracing',
  /**
   * `true`: development stack, the table and logs are deleted with it
   * (`LoginService` prop `removalPolicy: RemovalPolicy.DESTROY`). Default `false`.
   */
  dev: 'dev',
  /** Stack name. Default `OktaLogin`. */
  stackName: 'stackName',
} as const;

/**
 * Environment variables the app reads when the context key of the same
 * setting is not given (`APP_URL=https://app.example.com npx cdk deploy`):
 * the names the functions and the local stack use for it.
 */
export const ENVIRONMENT_VARIABLES = {
  appUrl: 'APP_URL',
  appOrigins: 'APP_ORIGINS',
  appAudience: 'APP_AUDIENCE',
} as const;

/**
 * Builds the CDK app from context (and `ENVIRONMENT_VARIABLES` from `env`):
 * one environment-agnostic `LoginStack` (no account lookups, so `cdk synth`
 * works offline without credentials), with the cdk-nag AwsSolutions checks
 * run at synth.
 */
export function createLoginApp(
  props: AppProps = {},
  env: NodeJS.ProcessEnv = process.env,
): { app: App; stack: LoginStack } {
  const app = new App(props);
  const context = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  /** A context key, else the environment variable of the same setting (`-c` wins over the shell). */
  const contextOrEnv = (key: string, variable: keyof typeof ENVIRONMENT_VARIABLES): string | undefined =>
    context(key) ?? (env[ENVIRONMENT_VARIABLES[variable]] || undefined);
  const list = (value: string | undefined): string[] =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  const flag = (key: string): boolean => {
    const value = context(key);
    if (value !== undefined && value !== 'true' && value !== 'false') {
      throw validationError(app, 'InvalidContextFlag', `context ${key} must be true or false, got "${value}"`);
    }
    return value === 'true';
  };
  const domainName = context(CONTEXT_KEYS.customDomainName);
  const certificateArn = context(CONTEXT_KEYS.certificateArn);
  if (Boolean(domainName) !== Boolean(certificateArn)) {
    throw validationError(
      app,
      'InvalidCustomDomainContext',
      `context customDomainName and certificateArn go together: give both or neither, got customDomainName "${domainName ?? ''}", certificateArn "${certificateArn ?? ''}"`,
    );
  }
  if (certificateArn && !/^arn:aws[\w-]*:acm:[\w-]+:\d{12}:certificate\/[\w-]+$/.test(certificateArn)) {
    throw validationError(
      app,
      'InvalidCertificateArn',
      `context certificateArn must be an ACM certificate ARN, got "${certificateArn}"`,
    );
  }
  const alarmTopicArn = context(CONTEXT_KEYS.alarmTopicArn);
  if (alarmTopicArn && !/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]+$/.test(alarmTopicArn)) {
    throw validationError(
      app,
      'InvalidAlarmTopicArn',
      `context alarmTopicArn must be an SNS topic ARN, got "${alarmTopicArn}"`,
    );
  }
  const defaultRedirectPath = context(CONTEXT_KEYS.defaultRedirectPath);
  const appUrl = contextOrEnv(CONTEXT_KEYS.appUrl, 'appUrl');
  const appOrigins = list(contextOrEnv(CONTEXT_KEYS.appOrigins, 'appOrigins'));
  const appAudience = contextOrEnv(CONTEXT_KEYS.appAudience, 'appAudience');

  const stack = new LoginStack(app, context(CONTEXT_KEYS.stackName) ?? 'OktaLogin', {
    description: 'Okta tile login service',
    service: {
      allowedRedirectOrigins: list(context(CONTEXT_KEYS.allowedRedirectOrigins)),
      // Checked by LoginService (the one origin validator, and the same-site rule with the custom domain).
      ...(appUrl ? { appUrl } : {}),
      ...(appOrigins.length > 0 ? { appOrigins } : {}),
      ...(appAudience ? { appAudience } : {}),
      // The documented `-c dev=true` switch, as the construct's removal policy.
      ...(flag(CONTEXT_KEYS.dev) ? { removalPolicy: RemovalPolicy.DESTROY } : {}),
      tracing: flag(CONTEXT_KEYS.tracing),
      ...(defaultRedirectPath ? { defaultRedirectPath } : {}),
    },
    ...(domainName && certificateArn ? { customDomain: { domainName, certificateArn } } : {}),
    ...(alarmTopicArn ? { alarmTopicArn } : {}),
  });
  acknowledgeNagFindings(stack.service);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
