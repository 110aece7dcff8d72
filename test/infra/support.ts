import { App, type AppProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LoginStack, type LoginStackProps } from '../../infra/login-stack.ts';

/**
 * Context that makes `NodejsFunction` skip esbuild: the assertion tests need
 * the template, not the code (bundles.test.ts bundles for real).
 */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] } as const;

export function appWithoutBundling(props: AppProps = {}): App {
  return new App({ ...props, context: { ...SKIP_BUNDLING, ...props.context } });
}

/** The functions `LoginService` creates, as their construct ids name them (`LoginService<Name>Function`). */
export const FUNCTION_NAMES = [
  'Login',
  'Session',
  'Setup',
  'UniversalLogout',
  'Health',
  'Whoami',
  'Scim',
  'PublicKeys',
  'SessionToken',
  'Authorizer',
  'KeyRotation',
] as const;

export function synthStack(props: LoginStackProps = {}, id = 'Test') {
  const app = appWithoutBundling();
  const stack = new LoginStack(app, id, props);
  return { app, stack, template: Template.fromStack(stack) };
}

export interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Effect: string;
}

type PolicyResource = { Properties: { PolicyDocument: { Statement: Statement[] } } };

/** Statements of the IAM policies whose logical id starts with `prefix` (all of them by default). */
export function statementsOf(template: Template, prefix = ''): Statement[] {
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith(prefix))
    .flatMap(([, policy]) => (policy as PolicyResource).Properties.PolicyDocument.Statement);
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** Data-plane actions (everything but the function's own log writes), sorted. */
export function dataActions(statements: Statement[]): string[] {
  return statements
    .flatMap(actionsOf)
    .filter((action) => !action.startsWith('logs:'))
    .sort();
}

type FunctionResource = {
  Properties: Record<string, unknown> & { Environment: { Variables: Record<string, unknown> } };
};

/**
 * The service's Lambda functions of a template by logical id: every `ServiceFunction`,
 * not the CDK custom resource framework's function (`providerFunctionsOf`).
 */
export function functionsOf(template: Template): Record<string, FunctionResource> {
  const all = template.findResources('AWS::Lambda::Function') as Record<string, FunctionResource>;
  return Object.fromEntries(Object.entries(all).filter(([, fn]) => !isProviderFramework(fn)));
}

/** The functions that are not ours: aws-cdk-lib's custom resource framework (the first signing keys). */
export function providerFunctionsOf(template: Template): Record<string, FunctionResource> {
  const all = template.findResources('AWS::Lambda::Function') as Record<string, FunctionResource>;
  return Object.fromEntries(Object.entries(all).filter(([, fn]) => isProviderFramework(fn)));
}

/** aws-cdk-lib's provider framework handlers are `framework.onEvent` (and friends); ours are `index.handler`. */
function isProviderFramework(fn: FunctionResource): boolean {
  return String(fn.Properties.Handler).startsWith('framework.');
}
