import type { Duration } from 'aws-cdk-lib';
import { isWithin, type NumericSetting } from '../shared/settings.ts';

/**
 * Checks a number prop at construction time, so a bad value fails `cdk synth`
 * with its name and value instead of failing the function's cold start later.
 * Ranges of values the functions read come from `shared/settings.ts`, the
 * same table `shared/config.ts` reads them with at runtime.
 */
export function requireInteger(name: string, value: number, min: number, max: number, unit = ''): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`${name} must be an integer from ${min} to ${max}${unit}, got ${value}${unit}`);
  }
  return value;
}

/** Whole seconds of a Duration prop, within the range of the setting it becomes. */
export function requireSeconds(name: string, value: Duration, setting: NumericSetting): number {
  const seconds = value.toSeconds({ integral: false });
  if (!isWithin(setting, seconds)) {
    throw new TypeError(
      `${name} must be whole seconds from ${setting.min} s to ${setting.max} s, got ${value.toHumanString()}`,
    );
  }
  return seconds;
}

/** A number prop within the range of the setting it becomes. */
export function requireSetting(name: string, value: number, setting: NumericSetting, unit = ''): number {
  return requireInteger(name, value, setting.min, setting.max, unit);
}
