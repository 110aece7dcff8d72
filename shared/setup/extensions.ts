import type { TenantConfig } from '../tenants.ts';

/** A value the Okta admin copies into Okta, shown as its label and a selectable code block. */
export interface SetupValue {
  readonly label: string;
  readonly value: string;
}

/** One step of "Create the app integration in Okta", in words and values to copy. */
export interface SetupStep {
  readonly title: string;
  /** Plain text (escaped when rendered). */
  readonly text: string;
  readonly values?: readonly SetupValue[];
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

/** The features of this code base that add steps to the Okta app's setup. */
export const SETUP_EXTENSIONS: readonly SetupExtension[] = [];
