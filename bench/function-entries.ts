/**
 * Which source file each function of the synthesized stack is built from, by
 * the function's logical id: the bench bundles the same entry with esbuild's
 * defaults as the reference its cold init is compared with. A test runs this
 * over the stack's functions, so a new function cannot stop the bench.
 */
import { AUTHORIZER_ENTRY, FUNCTION_ENTRIES, KEY_ROTATION_ENTRY } from '../shared/routes.ts';

/** Keyed by the lower-cased function name, as the logical id gives it (universalLogout → universallogout). */
const ENTRIES = new Map(
  Object.entries({ ...FUNCTION_ENTRIES, authorizer: AUTHORIZER_ENTRY, keyRotation: KEY_ROTATION_ENTRY }).map(
    ([name, entry]) => [name.toLowerCase(), entry],
  ),
);

/**
 * Whether the function of that logical id is one of ours (`LoginService<Name>Function<hash>`,
 * built from an entry of this repository), rather than the CDK custom resource
 * framework's (`…ProviderframeworkonEvent…`: aws-cdk-lib's own code, run once per
 * deploy to create the first signing keys, never on a request).
 */
export function isServiceFunction(logicalId: string): boolean {
  return /^LoginService\w+?Function[0-9A-F]{8}$/.test(logicalId);
}

/** `LoginServiceUniversalLogoutFunctionA1B2C3D4` → `universallogout`. */
export function functionNameOf(logicalId: string): string {
  return (/LoginService(\w+?)Function/.exec(logicalId)?.[1] ?? logicalId).toLowerCase();
}

/** The repository-relative entry file of the function named `name` (as `functionNameOf` gives it). */
export function entryOfFunction(name: string): string {
  const entry = ENTRIES.get(name);
  if (!entry) throw new Error(`bench: no entry file for the ${name} function in shared/routes.ts`);
  return entry;
}
