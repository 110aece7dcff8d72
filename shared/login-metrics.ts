/**
 * The names of the login metrics the code emits (Powertools EMF,
 * `adapters/powertools-telemetry.ts`) and the alarms watch
 * (`infra/monitoring.ts`): written once, so an alarm cannot watch a name the
 * code no longer emits. Universal Logout's is `UNIVERSAL_LOGOUT_METRIC`
 * (`universal-logout/outcomes.ts`).
 */

/** One per login, with `kind` (`first` or `returning`) as the dimension. */
export const LOGIN_SUCCESS_METRIC = 'LoginSuccess';

/** Twice per failed login: with `reason` (the error code) as the dimension, and without (the total). */
export const LOGIN_FAILURE_METRIC = 'LoginFailure';
