/**
 * The CDK app (`npx cdk synth`, `npx cdk deploy`), run by cdk.json with tsx.
 * Environment-agnostic: no account lookups, so it synthesizes offline. The
 * context keys it reads are `CONTEXT_KEYS` in `infra/login-app.ts`, and the
 * environment variables `ENVIRONMENT_VARIABLES` there (see infra/README.md);
 * the CLI synthesizes the app when this module finishes.
 */
import { createLoginApp } from './login-app.ts';

createLoginApp();
