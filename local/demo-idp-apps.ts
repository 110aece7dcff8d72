/**
 * The demo Okta's app integrations (made on its admin page), optionally kept
 * in a JSON file so they outlive a restart: `npm start` keeps the table in
 * `.local-data/`, and a tenant made through the setup link there names one of
 * these apps' client id and secret, so without them its sign-in would end in
 * `invalid_client` after a restart. The file holds the DEMO identity
 * provider's client secrets (local development data, like the table beside
 * it): it is written owner-only (0600), whole and atomically (a temporary
 * file renamed over it), so a crash mid-write never leaves half a file.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ClientMetadata } from 'oidc-provider';

/** An app integration as the admin page creates it (or a test through `createApp`). */
export interface DemoApp {
  readonly name: string;
  readonly redirectUri: string;
  readonly initiateLoginUri: string;
  /** Send the `groups` claim (Okta: the app's groups claim filter). @default true */
  readonly groupsClaim?: boolean;
  /** Logins assigned to the app; undefined: everyone. */
  readonly assigned?: readonly string[];
}

/** An app the demo Okta has registered: everything that re-creates its client and tile. */
export interface RegisteredApp extends DemoApp {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly groupsClaim: boolean;
}

const FILE_VERSION = 1;

/** The client metadata of an app, for Dynamic Client Registration and for re-creating it as a static client. */
export function registrationOf(app: DemoApp): Omit<ClientMetadata, 'client_id'> {
  return {
    client_name: app.name,
    redirect_uris: [app.redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  };
}

export class DemoAppRegistry {
  readonly #apps = new Map<string, RegisteredApp>();
  readonly #file: string | undefined;

  /** `file` undefined: apps live in memory only, as the test identity providers want. */
  constructor(file?: string) {
    this.#file = file;
    for (const app of file ? readApps(file) : []) this.#apps.set(app.clientId, app);
  }

  get(clientId: string): RegisteredApp | undefined {
    return this.#apps.get(clientId);
  }

  list(): RegisteredApp[] {
    return [...this.#apps.values()];
  }

  add(app: RegisteredApp): void {
    this.#apps.set(app.clientId, app);
    this.#save();
  }

  setGroupsClaim(clientId: string, on: boolean): void {
    const app = this.#apps.get(clientId);
    if (!app) return;
    this.#apps.set(clientId, { ...app, groupsClaim: on });
    this.#save();
  }

  /** The saved apps as oidc-provider static clients: a restarted demo Okta knows them again. */
  staticClients(): ClientMetadata[] {
    return this.list().map((app) => ({
      ...registrationOf(app),
      client_id: app.clientId,
      client_secret: app.clientSecret,
    }));
  }

  #save(): void {
    if (!this.#file) return;
    const body = `${JSON.stringify({ version: FILE_VERSION, apps: this.list() }, null, 2)}\n`;
    mkdirSync(dirname(this.#file), { recursive: true });
    // Same directory, so the rename is atomic; a new file, so it is created 0600 (a umask only removes bits).
    const temporary = `${this.#file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      writeFileSync(temporary, body, { mode: 0o600, flag: 'wx' });
      renameSync(temporary, this.#file);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
  }
}

function readApps(file: string): RegisteredApp[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  let parsed: { version?: unknown; apps?: unknown } | null | undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const apps = parsed?.apps;
  if (parsed?.version !== FILE_VERSION || !Array.isArray(apps) || !apps.every(isApp)) {
    // Never start without them silently: the next save would drop every app the table's tenants use.
    throw new Error(`${file} is not a demo Okta apps file (version ${FILE_VERSION}); delete it to start over`);
  }
  return apps;
}

function isApp(value: unknown): value is RegisteredApp {
  const app = value as Partial<Record<keyof RegisteredApp, unknown>> | null;
  return (
    typeof app === 'object' &&
    app !== null &&
    ['name', 'clientId', 'clientSecret', 'redirectUri', 'initiateLoginUri'].every(
      (key) => typeof app[key as keyof RegisteredApp] === 'string',
    ) &&
    typeof app.groupsClaim === 'boolean' &&
    (app.assigned === undefined ||
      (Array.isArray(app.assigned) && app.assigned.every((login) => typeof login === 'string')))
  );
}
