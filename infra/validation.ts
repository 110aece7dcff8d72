import type { Duration } from 'aws-cdk-lib';

/**
 * Checks a number prop at construction time, so a bad value fails `cdk synth`
 * with its name and value instead of failing the function's cold start later.
 * The ranges mirror `shared/config.ts`, which reads the same values at runtime.
 */
export function requireInteger(name: string, value: number, min: number, max: number, unit = ''): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`${name} must be an integer from ${min} to ${max}${unit}, got ${value}${unit}`);
  }
  return value;
}

/** Whole seconds of a Duration prop, within `[min, max]` seconds. */
export function requireSeconds(name: string, value: Duration, min: number, max: number): number {
  const seconds = value.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw new TypeError(`${name} must be whole seconds from ${min} s to ${max} s, got ${value.toHumanString()}`);
  }
  return seconds;
}
