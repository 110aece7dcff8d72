import { type Duration, Token, Tokenization, ValidationError } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { isWithin, type NumericSetting } from '../shared/settings.ts';

/**
 * Checks of construct props at construction time, so a bad value fails
 * `cdk synth` with its name and value instead of failing the function's cold
 * start later. Ranges of values the functions read come from
 * `shared/settings.ts`, the same table `shared/config.ts` reads them with at
 * runtime.
 *
 * Every failure is CDK's own `ValidationError` (`Errors.isValidationError()`
 * is true, and the CLI shows the path of the construct whose prop was wrong).
 * aws-cdk-lib exports the class but types its first argument as a literal
 * string it only builds internally, so this module is the one place that
 * constructs it.
 *
 * A value that is an unresolved token (a `CfnParameter`, an SSM parameter, a
 * reference) is only known at deploy time: it is passed through unchecked, as
 * the CDK design guidelines ask, and CloudFormation or the function's own
 * config check rejects it there.
 */

type ErrorName = ConstructorParameters<typeof ValidationError>[0];

/** CDK's `ValidationError` for a prop of `scope`; `name` is a short PascalCase id of the rule, e.g. `InvalidMemorySize`. */
export function validationError(scope: IConstruct, name: string, message: string): ValidationError {
  return new ValidationError(name as ErrorName, message, scope);
}

/** An integer prop from `min` to `max`; unresolved tokens pass. */
export function requireInteger(
  scope: IConstruct,
  name: string,
  value: number,
  min: number,
  max: number,
  unit = '',
): number {
  if (Token.isUnresolved(value)) return value;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw validationError(
      scope,
      'InvalidInteger',
      `${name} must be an integer from ${min} to ${max}${unit}, got ${value}${unit}`,
    );
  }
  return value;
}

/**
 * Whole seconds of a Duration prop, within the range of the setting it
 * becomes. A token Duration passes unchecked (give it as `Duration.seconds()`:
 * CDK cannot convert a token between units).
 */
export function requireSeconds(scope: IConstruct, name: string, value: Duration, setting: NumericSetting): number {
  if (value.isUnresolved()) return value.toSeconds();
  const seconds = value.toSeconds({ integral: false });
  if (!isWithin(setting, seconds)) {
    throw validationError(
      scope,
      'InvalidDuration',
      `${name} must be whole seconds from ${setting.min} s to ${setting.max} s, got ${value.toHumanString()}`,
    );
  }
  return seconds;
}

/** A number prop within the range of the setting it becomes; unresolved tokens pass. */
export function requireSetting(
  scope: IConstruct,
  name: string,
  value: number,
  setting: NumericSetting,
  unit = '',
): number {
  return requireInteger(scope, name, value, setting.min, setting.max, unit);
}

/**
 * A number as an environment variable value. `String()` of a number token
 * would write the token's placeholder double into the template; this writes
 * the reference CloudFormation resolves.
 */
export function numberToEnv(value: number): string {
  return Tokenization.stringifyNumber(value);
}
