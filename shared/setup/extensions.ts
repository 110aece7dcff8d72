import type { TenantAdmin } from '../tenant-admin.ts';
import { scimBaseUrl, universalLogoutUrl } from '../tenant-urls.ts';
import type { TenantConfig } from '../tenants.ts';

/** A value the Okta admin copies into Okta, shown as its label and a selectable code block. */
export interface SetupValue {
  readonly label: string;
  readonly value: string;
}

/**
 * Something a step lets the admin do that yields values to show once (a
 * credential Okta needs, e.g. a SCIM bearer token): `POST
 * /t/{tenant}/setup/actions/{id}` runs it behind the same link, CSRF and
 * attempt checks as the other forms, audits it, and shows its values in that
 * one response (no-store); they are never stored or logged by the page. Its
 * form runs once (a one-time nonce): sent again, the page says what was done
 * when, and runs it again only from a confirmation form.
 */
export interface SetupAction {
  /** Path segment: letters, digits and `-`. */
  readonly id: string;
  /** The button's words. */
  readonly label: string;
  /** What running it did, followed by "at <time> with this form", e.g. "A SCIM token was created". */
  readonly doneWords: string;
  /** What doing it again means, asked before the confirmation button. */
  readonly againWords: string;
  /** The confirmation button's words. */
  readonly againLabel: string;
  run(context: SetupContext): Promise<readonly SetupValue[]>;
}

/** One step of "Create the app integration in Okta", in words and values to copy. */
export interface SetupStep {
  readonly title: string;
  /** Plain text (escaped when rendered). */
  readonly text: string;
  readonly values?: readonly SetupValue[];
  readonly action?: SetupAction;
}

export interface SetupContext {
  readonly tenant: TenantConfig;
  /** The service's public origin, the base of every URI the admin copies. */
  readonly origin: string;
}

/**
 * The extension point of the setup page: a feature that needs something
 * configured in the tenant's Okta app (the Universal Logout endpoint, the SCIM
 * base URL and token, ...) contributes its steps here, and returns none when it
 * is off for the tenant. The setup function's composition root passes the list
 * (`functions/setup.ts`), so the page shows exactly the features this
 * deployment has.
 */
export interface SetupExtension {
  readonly id: string;
  steps(context: SetupContext): readonly SetupStep[];
}

/**
 * Universal Logout (README "Universal Logout"), while it is on for the tenant:
 * the endpoint to paste exactly (Okta puts it in the `aud` of the tokens it
 * sends there) and the subject format.
 */
export const universalLogoutSetup: SetupExtension = {
  id: 'universal-logout',
  steps: ({ tenant, origin }) =>
    tenant.universalLogout
      ? [
          {
            title: 'Universal Logout (recommended, when your org has it)',
            text: 'So that ending a person’s Okta sessions also signs them out here: the app’s Sign On tab → Logout → Universal Logout. Paste the Global token revocation endpoint below exactly, and choose the subject format “Issuer and Subject Identifier”. To try it later: Directory → People → the person → Clear user sessions.',
            values: [{ label: 'Global token revocation endpoint', value: universalLogoutUrl(origin, tenant.tenantId) }],
          },
        ]
      : [],
};

/**
 * SCIM provisioning (README "Provision users with SCIM"): the connector's base
 * URL to copy, and the tenant's SCIM token, created here and shown once
 * (only its hash is stored; creating one replaces the previous at once).
 */
export function scimSetup(admin: Pick<TenantAdmin, 'rotateScimToken'>): SetupExtension {
  return {
    id: 'scim',
    steps: ({ tenant, origin }) => [
      {
        title: 'Provisioning with SCIM (optional)',
        text: 'To have Okta create, update and deactivate users and push groups for roles: on the app’s General tab, enable SCIM provisioning. Then Provisioning → Integration: the SCIM connector base URL below, Unique identifier field for users “userName”, Supported provisioning actions Import New Users and Profile Updates, Push New Users, Push Profile Updates, Push Groups, Authentication Mode “HTTP Header” with the token below; Test Connector Configuration must succeed. Provisioning → To App: enable Create Users, Update User Attributes, Deactivate Users. Push Groups: the groups this organization’s roles come from. Creating a token replaces the previous one at once.',
        values: [{ label: 'SCIM connector base URL', value: scimBaseUrl(origin, tenant.tenantId) }],
        action: {
          id: 'scim-token',
          label: 'Create SCIM token (shown once)',
          doneWords: 'A SCIM token was created',
          againWords:
            'The token shown then is the one Okta must have. Create another? It replaces that token at once: Okta’s provisioning requests fail (401) until you paste the new one into Okta.',
          againLabel: 'Create another SCIM token (replaces the previous one)',
          run: async () => [
            { label: 'SCIM token (Authorization: Bearer)', value: await admin.rotateScimToken(tenant.tenantId) },
          ],
        },
      },
    ],
  };
}

/** The features of this code base that add steps to the Okta app's setup, for the setup function. */
export function setupExtensions(admin: Pick<TenantAdmin, 'rotateScimToken'>): readonly SetupExtension[] {
  return [universalLogoutSetup, scimSetup(admin)];
}
