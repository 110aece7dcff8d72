/**
 * Refuses role-map regexes that can backtrack catastrophically, when they are
 * saved. A group name from the IdP is attacker-influenced text: with
 * `/(a+)+b/` a 30-character group blocked a login function for over a minute.
 *
 * The check is recheck's (a maintained ReDoS checker: automaton analysis with
 * a fuzzing fallback), run by the tenant administration tools only, never in
 * the Lambda bundles. Accepted: linear and quadratic patterns (`.*Admin.*`:
 * group names are at most 256 characters, so a quadratic match stays
 * sub-millisecond); refused: exponential, cubic and worse, and patterns the
 * checker could not decide.
 */
import { checkSync } from 'recheck';
import type { RoleMapping } from './roles.ts';

const MAX_POLYNOMIAL_DEGREE = 2;

/** Throws TypeError naming the mapping when its regex is not provably safe. */
export function assertSafeRoleMappings(mappings: readonly RoleMapping[]): void {
  for (const mapping of mappings) {
    const body = /^\/(.+)\/$/.exec(mapping.group)?.[1];
    if (!body) continue;
    // The same anchored, unicode form `rolesFor` compiles.
    const result = checkSync(`^(?:${body})$`, 'u', { timeout: 5000 });
    if (result.status === 'safe') continue;
    if (result.status === 'vulnerable') {
      const { complexity } = result;
      if (complexity.type === 'polynomial' && complexity.degree <= MAX_POLYNOMIAL_DEGREE) continue;
      const cost = complexity.type === 'exponential' ? 'exponential' : `polynomial (degree ${complexity.degree})`;
      throw refused(mapping, `it can take ${cost} time on some group names`);
    }
    throw refused(mapping, 'it could not be proven to run in reasonable time');
  }
}

function refused(mapping: RoleMapping, why: string): TypeError {
  return new TypeError(
    `--role-map "${mapping.group}=${mapping.role}" is refused: ${why}. Rewrite it without nested or overlapping repetition (e.g. /^eng-.*$/), or map exact group names.`,
  );
}
