/**
 * Okta groups → app roles. A tenant lists mappings in priority order; each
 * maps a group, by exact name or by a `/regex/`, to a role. A user's roles are
 * recomputed from the ID token's `groups` claim at every login, so removing
 * someone from a group in Okta removes the role at their next login. The
 * tenant `owner` is separate and kept.
 */
export interface RoleMapping {
  /** An exact group name, or a regular expression written `/.../` (anchored: must match the whole name). */
  readonly group: string;
  readonly role: string;
}

const ROLE = /^[a-z][a-z0-9_-]{0,62}$/;

/** Parses `Group=role` / `/regex/=role` as typed on the CLI. Throws TypeError with the bad value. */
export function parseRoleMapping(text: string): RoleMapping {
  const at = text.lastIndexOf('=');
  const group = at > 0 ? text.slice(0, at) : '';
  const role = at > 0 ? text.slice(at + 1) : '';
  if (!group || !ROLE.test(role)) {
    throw new TypeError(
      `--role-map must look like "Okta Group=role" or "/^eng-.*$/=engineer" (role: lowercase letters, digits, _ -), got "${text}"`,
    );
  }
  matcherFor({ group, role });
  return { group, role };
}

export function isValidRole(role: string): boolean {
  return ROLE.test(role);
}

function matcherFor(mapping: RoleMapping): (group: string) => boolean {
  const regex = /^\/(.+)\/$/.exec(mapping.group);
  if (!regex?.[1]) return (group) => group === mapping.group;
  let pattern: RegExp;
  try {
    pattern = new RegExp(`^(?:${regex[1]})$`, 'u');
  } catch {
    throw new TypeError(`--role-map has an invalid regular expression: ${mapping.group}`);
  }
  return (group) => pattern.test(group);
}

/**
 * Bounds on what a login matches against the mappings (Okta sends at most
 * 100 groups): with regexes vetted when saved (`role-map-safety.ts`), these
 * keep the work per login small whatever the IdP or SCIM sends.
 */
export const MAX_GROUPS_MATCHED = 200;
export const MAX_GROUP_NAME_LENGTH = 256;

const compiled = new WeakMap<readonly RoleMapping[], Array<{ role: string; matches: (group: string) => boolean }>>();

/**
 * The roles granted by `groups`, in the mappings' priority order, without
 * duplicates; `defaultRoles` when no mapping matches.
 */
export function rolesFor(
  groups: readonly string[],
  mappings: readonly RoleMapping[],
  defaultRoles: readonly string[] = [],
): string[] {
  let matchers = compiled.get(mappings);
  if (!matchers) {
    matchers = mappings.map((mapping) => ({ role: mapping.role, matches: matcherFor(mapping) }));
    compiled.set(mappings, matchers);
  }
  const considered = groups.slice(0, MAX_GROUPS_MATCHED).filter((group) => group.length <= MAX_GROUP_NAME_LENGTH);
  const roles: string[] = [];
  for (const { role, matches } of matchers) {
    if (!roles.includes(role) && considered.some(matches)) roles.push(role);
  }
  return roles.length > 0 ? roles : [...defaultRoles];
}
