import {
  NoPathInScimPatchOp,
  patchBodyValidation,
  ScimError,
  type ScimPatch,
  type ScimResource,
  scimPatch,
} from 'scim-patch';
import { invalid } from './errors.ts';
import { MAX_PATCH_OPERATIONS } from './schemas.ts';

/**
 * Applies a PATCH body (RFC 7644 §3.5.2) to a resource with `scim-patch`, in
 * every form Okta sends: `replace` with a `value` object and no `path`
 * (`{"active": false}`), a simple `path` (`active`, `name.givenName`), `add`
 * to `members`, `remove` with a value filter (`members[value eq "…"]`).
 * Returns the patched copy; the caller validates it as it would a PUT, so a
 * path the schema does not have ends as a 400. The library's messages quote
 * the request, so only our catalogue's words reach the response.
 */
export function applyPatch(resource: Record<string, unknown>, body: Record<string, unknown>): Record<string, unknown> {
  const operations = body.Operations;
  if (Array.isArray(operations) && operations.length > MAX_PATCH_OPERATIONS) throw invalid('scim_patch');
  try {
    patchBodyValidation(body as unknown as ScimPatch);
    return scimPatch(resource as unknown as ScimResource, (body as unknown as ScimPatch).Operations, {
      mutateDocument: false,
    }) as unknown as Record<string, unknown>;
  } catch (error) {
    if (error instanceof NoPathInScimPatchOp) throw invalid('scim_patch_path');
    if (error instanceof ScimError && (error as { scimCode?: string }).scimCode === 'noTarget') {
      throw invalid('scim_patch_target');
    }
    throw invalid('scim_patch');
  }
}
