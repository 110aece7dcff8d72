import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { tenantCallbackUrl, tenantLoginUrl, universalLogoutUrl } from '../shared/tenant-urls.ts';
import { routePathPattern } from './http-api.ts';
import { LoginService, type LoginServiceProps } from './login-service.ts';

export interface LoginStackProps extends StackProps {
  /** Everything but the props that need constructs, which this stack imports from ARNs. @default LoginService defaults */
  readonly service?: Omit<LoginServiceProps, 'customDomain' | 'alarmTopic'>;
  /** Serve on this domain with this ACM certificate (same region). @default the execute-api URL */
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
  /** SNS topic the alarms notify. @default alarms without actions */
  readonly alarmTopicArn?: string;
}

/** A deployable stack around `LoginService`, with the outputs a platform team pastes into Okta and the CLI. */
export class LoginStack extends Stack {
  readonly service: LoginService;

  constructor(scope: Construct, id: string, props: LoginStackProps = {}) {
    super(scope, id, props);
    const customDomain = props.customDomain
      ? {
          domainName: props.customDomain.domainName,
          certificate: Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn),
        }
      : undefined;
    this.service = new LoginService(this, 'LoginService', {
      ...props.service,
      ...(customDomain ? { customDomain } : {}),
      ...(props.alarmTopicArn ? { alarmTopic: Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn) } : {}),
    });
    const base = this.service.httpApi.url;
    new CfnOutput(this, 'ApiUrl', { value: base, description: 'Base URL of the login service' });
    new CfnOutput(this, 'LoginUriPattern', {
      value: tenantLoginUrl(base, '<tenant>'),
      description: 'Okta app: Initiate login URI',
    });
    new CfnOutput(this, 'CallbackUriPattern', {
      value: tenantCallbackUrl(base, '<tenant>'),
      description: 'Okta app: Sign-in redirect URI',
    });
    new CfnOutput(this, 'UniversalLogoutUriPattern', {
      value: universalLogoutUrl(base, '<tenant>'),
      description: 'Okta app: Universal Logout (global token revocation) endpoint',
    });
    new CfnOutput(this, 'TableName', {
      value: this.service.table.tableName,
      description: 'TABLE_NAME for the tenant CLI',
    });
    new CfnOutput(this, 'ClientSecretPrefix', {
      value: this.service.secrets.clientSecretPrefix,
      description: 'CLIENT_SECRET_PREFIX for the tenant CLI',
    });
    new CfnOutput(this, 'StateKeySecretArn', {
      value: this.service.secrets.stateKey.secretArn,
      description: 'Secret that seals login-state cookies (generated; put a new value to rotate it)',
    });
    // The app's side of session tokens (README "Connect your app"): where it fetches one, and where
    // its verifier finds the keys; the issuer is what `iss` carries (API Gateway's JWT authorizer
    // starts from it).
    new CfnOutput(this, 'SessionTokenUri', {
      value: `${base}${routePathPattern('GET /session/token')}`,
      description: 'The app fetches a session token here (GET, with credentials, from an allowed origin)',
    });
    new CfnOutput(this, 'JwksUri', {
      value: `${this.service.issuer}${routePathPattern('GET /.well-known/jwks.json')}`,
      description: 'Public keys that verify session tokens (JWKS)',
    });
    new CfnOutput(this, 'SessionTokenIssuer', {
      value: this.service.issuer,
      description: 'The iss of session tokens (jwtIssuer of an API Gateway JWT authorizer)',
    });
    new CfnOutput(this, 'SigningKeysSecretArn', {
      value: this.service.signingKeys.secret.secretArn,
      description: 'SIGNING_KEYS_SECRET_ID for the tenant CLI (signing-keys list, rotate, remove)',
    });
    if (this.service.httpApi.domain) {
      new CfnOutput(this, 'CustomDomainTarget', {
        value: this.service.httpApi.domain.regionalDomainName,
        description: 'Point a CNAME (or Route 53 alias) for the custom domain at this name',
      });
    }
  }
}
