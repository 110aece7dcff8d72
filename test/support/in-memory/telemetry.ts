import type { LoginTelemetry, UniversalLogoutTelemetry } from '../../../shared/ports.ts';

export class RecordingUniversalLogoutTelemetry implements UniversalLogoutTelemetry {
  readonly outcomes: string[] = [];
  answered(outcome: string) {
    this.outcomes.push(outcome);
  }
}

export class RecordingTelemetry implements LoginTelemetry {
  readonly successes: Array<{ tenantId: string; firstLogin: boolean }> = [];
  readonly failures: string[] = [];
  loginSucceeded(tenantId: string, firstLogin: boolean) {
    this.successes.push({ tenantId, firstLogin });
  }
  loginFailed(reason: string) {
    this.failures.push(reason);
  }
}

/**
 * SCIM's port over the same maps: writes check what the DynamoDB transaction
 * checks (versions, uniqueness, the tenant's generation) before changing
 * anything, so a failed write changes nothing.
 */
