/**
 * README "Publish in the Okta Integration Network (OIN)": the templates given
 * for the OIN Wizard's fields, filled in as Okta fills them for a customer,
 * must give exactly the URLs the service builds for that tenant (the redirect
 * URI is compared as sent, the revocation endpoint is the `aud` of Okta's
 * tokens), on routes the service serves.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../shared/routes.ts';
import { scimBaseUrl, tenantCallbackUrl, tenantLoginUrl, universalLogoutUrl } from '../../shared/tenant-urls.ts';
import { isValidTenantId } from '../../shared/tenants.ts';

const HEADING = '## Publish in the Okta Integration Network (OIN)';
/** The public URL the README's values are written with. */
const ORIGIN = 'https://login.example.com';

/** The README section's table: the OIN Wizard field cell → the value cell. */
function oinTable(): Array<{ field: string; value: string }> {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf(`\n${HEADING}\n`);
  if (start < 0) throw new Error(`README.md has no "${HEADING}" section`);
  const rest = readme.slice(start + HEADING.length + 2);
  const end = rest.search(/\n## /);
  return (end < 0 ? rest : rest.slice(0, end))
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.split('|').slice(1, -1))
    .filter((cells) => cells.length === 2)
    .map(([field = '', value = '']) => ({ field: field.trim(), value: value.trim() }));
}

/** The first backticked text of the row whose field names `label` in bold. */
function fieldValue(label: string): string {
  const row = oinTable().find(({ field }) => field.includes(`**${label}**`));
  const value = row && /`([^`]+)`/.exec(row.value)?.[1];
  if (!value) throw new Error(`README's OIN table has no value for **${label}**`);
  return value;
}

/** The tenant setting's variable name, as templates reference it (`app.<name>`). */
function variableName(): string {
  const row = oinTable().find(({ field }) => field.includes('**Name**'));
  const name = row ? [...row.value.matchAll(/`([^`]+)`/g)][1]?.[1] : undefined;
  if (!name) throw new Error('README’s OIN table gives no tenant setting Name');
  return name;
}

/** Okta's OIDC and Universal Logout fields: Expression Language between braces inside the URL. */
function fillBraces(template: string, variables: Record<string, string>): string {
  return template.replace(/\{([^}]*)\}/g, (_, expression: string) => {
    const value = variables[expression.trim()];
    if (value === undefined) throw new Error(`unknown expression {${expression}} in ${template}`);
    return value;
  });
}

/** Okta's SCIM base URL: one Expression Language expression of quoted text and variables joined with `+`. */
function evaluateConcatenation(expression: string, variables: Record<string, string>): string {
  return expression
    .split('+')
    .map((term) => term.trim())
    .map((term) => {
      const quoted = /^'([^']*)'$/.exec(term);
      if (quoted) return quoted[1];
      const value = variables[term];
      if (value === undefined) throw new Error(`unknown term ${term} in ${expression}`);
      return value;
    })
    .join('');
}

/** A route the service serves for this path (any method; SCIM's is a proxy route). */
function served(url: string, tenantId: string): boolean {
  const path = new URL(url).pathname.replace(`/t/${tenantId}/`, '/t/{tenant}/');
  return ROUTES.some(({ routeKey }) => {
    const routePath = routeKey.split(' ')[1] ?? '';
    return routePath === path || routePath === `${path}/{proxy+}`;
  });
}

describe('README: the OIN Wizard values', () => {
  const tenants = ['best_company', 'a', `t${'0'.repeat(62)}`];

  it('name one tenant setting the OIN Wizard accepts, and the templates use it', () => {
    const name = variableName();
    // OIN Wizard: lowercase letters, digits and underscores, starting with a letter.
    expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
    for (const label of ['Redirect URIs', 'Initiate login URI', 'Global token revocation endpoint', 'Base URL']) {
      expect(fieldValue(label)).toContain(`app.${name}`);
    }
  });

  it('give, for any tenant id, exactly the URLs the service builds, on routes it serves', () => {
    const name = variableName();
    for (const tenantId of tenants) {
      expect(isValidTenantId(tenantId)).toBe(true);
      const variables = { [`app.${name}`]: tenantId };
      const filled = {
        redirect: fillBraces(fieldValue('Redirect URIs'), variables),
        initiateLogin: fillBraces(fieldValue('Initiate login URI'), variables),
        universalLogout: fillBraces(fieldValue('Global token revocation endpoint'), variables),
        scim: evaluateConcatenation(fieldValue('Base URL'), variables),
      };
      expect(filled).toEqual({
        redirect: tenantCallbackUrl(ORIGIN, tenantId),
        initiateLogin: tenantLoginUrl(ORIGIN, tenantId),
        universalLogout: universalLogoutUrl(ORIGIN, tenantId),
        scim: scimBaseUrl(ORIGIN, tenantId),
      });
      for (const url of Object.values(filled)) expect(served(url, tenantId), url).toBe(true);
    }
  });
});
