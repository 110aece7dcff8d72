/**
 * A test identity provider that can misbehave: the demo provider (a real
 * oidc-provider doing authorize, login, code and token) with a front layer the
 * test controls. Every ID token leaving the token endpoint is decoded and
 * re-signed by the front with keys the test owns, after an optional mutation;
 * discovery, JWKS and the token endpoint can be made to fail or stall. This is
 * how the OpenID RP certification cases are played end to end.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { type DemoClient, type DemoIdp, type DemoUser, startDemoIdp } from './demo-idp.ts';

export type IdTokenMutation = {
  /** Header fields to set; `kid: undefined` removes the kid. */
  header?: Record<string, unknown>;
  /** Claims to set; `undefined` deletes the claim. */
  claims?: Record<string, unknown>;
  sign?: 'current-key' | 'unknown-key' | 'none' | { hs256Secret: string } | 'tamper-payload';
};

export type JwksMode = 'normal' | 'unreachable' | 'no-kid-single-key' | { extraKeys: number };
export type DiscoveryMode = 'normal' | 'unreachable' | { issuer: string };
export type TokenEndpointMode = 'normal' | { status: number; body?: string } | { delayMs: number };

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = `test-${Math.random().toString(36).slice(2, 10)}`;
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export interface TestIdp {
  readonly issuer: string;
  readonly port: number;
  readonly users: readonly DemoUser[];
  readonly counters: { discovery: number; jwks: number; token: number };
  /** Every ID token handed out, so tests can look for them where they must not appear. */
  readonly issuedIdTokens: string[];
  mutateNextIdToken(mutation: IdTokenMutation): void;
  rotateSigningKey(): Promise<void>;
  setJwks(mode: JwksMode): Promise<void>;
  setDiscovery(mode: DiscoveryMode): void;
  setTokenEndpoint(mode: TokenEndpointMode): void;
  /** An ID token signed with the current key, as Okta Simplified would post it. */
  issueIdToken(claims: Record<string, unknown>): Promise<string>;
  resetCounters(): void;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestIdp(options: { clients: DemoClient[]; port?: number }): Promise<TestIdp> {
  let current = await newKey();
  let published: SigningKey[] = [current];
  let extra: SigningKey[] = [];
  let unknown = await newKey();
  let jwksMode: JwksMode = 'normal';
  let discoveryMode: DiscoveryMode = 'normal';
  let tokenMode: TokenEndpointMode = 'normal';
  const mutations: IdTokenMutation[] = [];
  const counters = { discovery: 0, jwks: 0, token: 0 };

  const issuedIdTokens: string[] = [];

  async function resign(idToken: string): Promise<string> {
    const token = await resignOnce(idToken);
    issuedIdTokens.push(token);
    return token;
  }

  async function resignOnce(idToken: string): Promise<string> {
    const mutation = mutations.shift() ?? {};
    const claims: Record<string, unknown> = { ...decodeJwt(idToken) };
    for (const [name, value] of Object.entries(mutation.claims ?? {})) {
      if (value === undefined) delete claims[name];
      else claims[name] = value;
    }
    const noKid = jwksMode === 'no-kid-single-key';
    const header: Record<string, unknown> = { ...decodeProtectedHeader(idToken), alg: 'RS256', kid: current.kid };
    if (noKid) delete header.kid;
    for (const [name, value] of Object.entries(mutation.header ?? {})) {
      if (value === undefined) delete header[name];
      else header[name] = value;
    }
    const sign = mutation.sign ?? 'current-key';
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    if (sign === 'none') return `${encode({ ...header, alg: 'none' })}.${encode(claims)}.`;
    if (typeof sign === 'object') {
      return new SignJWT(claims)
        .setProtectedHeader({ ...header, alg: 'HS256' } as { alg: string })
        .sign(new TextEncoder().encode(sign.hs256Secret));
    }
    const key = sign === 'unknown-key' ? unknown.privateKey : current.privateKey;
    const signed = await new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key);
    if (sign !== 'tamper-payload') return signed;
    const [h, , s] = signed.split('.');
    return `${h}.${encode({ ...claims, sub: `${String(claims.sub)}-tampered` })}.${s}`;
  }

  function jwksBody(): { keys: JWK[] } {
    if (jwksMode === 'no-kid-single-key') {
      const { kid: _kid, ...withoutKid } = current.publicJwk;
      return { keys: [withoutKid] };
    }
    return { keys: [...published, ...extra].map((key) => key.publicJwk) };
  }

  const wrap =
    (listener: (req: IncomingMessage, res: ServerResponse) => void, issuer: () => string) =>
    (req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/.well-known/openid-configuration') {
        counters.discovery++;
        if (discoveryMode === 'unreachable') {
          req.socket.destroy();
          return;
        }
        if (typeof discoveryMode === 'object') {
          const issuerOverride = discoveryMode.issuer;
          captureJson(res, (body) => ({ ...body, issuer: issuerOverride }));
        }
        listener(req, res);
        return;
      }
      if (path === '/jwks') {
        counters.jwks++;
        if (jwksMode === 'unreachable') {
          req.socket.destroy();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(jwksBody()));
        return;
      }
      if (path === '/token' && req.method === 'POST') {
        counters.token++;
        const mode = tokenMode;
        if (typeof mode === 'object' && 'status' in mode) {
          res
            .writeHead(mode.status, { 'content-type': 'application/json' })
            .end(mode.body ?? JSON.stringify({ error: 'server_error' }));
          return;
        }
        const delay = typeof mode === 'object' && 'delayMs' in mode ? mode.delayMs : 0;
        captureJson(res, async (body) =>
          typeof body.id_token === 'string' ? { ...body, id_token: await resign(body.id_token) } : body,
        );
        setTimeout(() => listener(req, res), delay);
        return;
      }
      void issuer;
      listener(req, res);
    };

  const idp: DemoIdp = await startDemoIdp({ port: options.port ?? 0, clients: options.clients, wrap });

  return {
    issuer: idp.issuer,
    port: idp.port,
    users: idp.users,
    counters,
    issuedIdTokens,
    mutateNextIdToken: (mutation) => {
      mutations.push(mutation);
    },
    rotateSigningKey: async () => {
      current = await newKey();
      published = [...published, current];
    },
    setJwks: async (mode) => {
      jwksMode = mode;
      extra = typeof mode === 'object' ? await Promise.all(Array.from({ length: mode.extraKeys }, () => newKey())) : [];
    },
    setDiscovery: (mode) => {
      discoveryMode = mode;
    },
    setTokenEndpoint: (mode) => {
      tokenMode = mode;
    },
    issueIdToken: (claims) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: current.kid }).sign(current.privateKey),
    resetCounters: () => {
      counters.discovery = 0;
      counters.jwks = 0;
      counters.token = 0;
    },
    reset: async () => {
      mutations.length = 0;
      jwksMode = 'normal';
      discoveryMode = 'normal';
      tokenMode = 'normal';
      extra = [];
      unknown = await newKey();
    },
    stop: () => idp.stop(),
  };
}

/**
 * Lets the provider write its JSON response, then rewrites the body before it
 * leaves: oidc-provider (Koa) sends a JSON body with a single `res.end(body)`.
 */
function captureJson(
  res: ServerResponse,
  transform: (body: Record<string, unknown>) => Record<string, unknown> | Promise<Record<string, unknown>>,
): void {
  const originalEnd = res.end.bind(res);
  const originalWrite = res.write.bind(res);
  const chunks: Buffer[] = [];
  res.write = ((chunk: unknown) => {
    if (chunk) chunks.push(Buffer.from(chunk as Buffer));
    return true;
  }) as typeof res.write;
  res.end = ((chunk?: unknown) => {
    if (chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk as Buffer));
    const text = Buffer.concat(chunks).toString('utf8');
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = undefined;
    }
    if (!parsed || res.statusCode !== 200) {
      res.write = originalWrite;
      return originalEnd(text);
    }
    Promise.resolve(transform(parsed)).then((body) => {
      const out = JSON.stringify(body);
      if (!res.headersSent) res.setHeader('content-length', Buffer.byteLength(out));
      res.write = originalWrite;
      originalEnd(out);
    });
    return res;
  }) as typeof res.end;
}
