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
 * one response (no-store); they are never stored or logged by the page.
 */
export interface SetupAction {
  /** Path segment: letters, digits and `-`. */
  readonly id: string;
  /** The button's words. */
  readonly label: string;
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

/** The features of this code base that add steps to the Okta app's setup. */
export const SETUP_EXTENSIONS: readonly SetupExtension[] = [];
