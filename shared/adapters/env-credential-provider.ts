/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles only
 * (an esbuild alias, see infra/service-function.ts); the CLI, local tools and
 * tests keep the SDK's full chain.
 *
 * Every SDK client's Node runtime config takes its `credentialDefaultProvider`
 * from that package's `defaultProvider` export, so this module exports the same
 * name with the same call shape. It answers with the SDK's own environment
 * provider, which is the first link of the full chain anyway: Lambda puts the
 * function role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN. The rest of the chain (profiles, SSO, web identity,
 * process, container and instance metadata, with their STS and SSO clients)
 * can never answer there and costs cold-start time to load.
 */
import { type FromEnvInit, fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

export const defaultProvider = (init: FromEnvInit = {}): AwsCredentialIdentityProvider => fromEnv(init);
