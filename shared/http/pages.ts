import { createHash } from 'node:crypto';

/**
 * Small, self-contained HTML pages: no external assets, one inline stylesheet
 * allowed by its hash in the CSP, readable without CSS and on a phone.
 */
const STYLES = `
:root{color-scheme:light dark;--fg:#1d1d1f;--muted:#5b5b66;--bg:#f5f6f8;--card:#fff;--accent:#0b5fff;--bad:#b3261e;--ok:#1e7d32}
@media (prefers-color-scheme:dark){:root{--fg:#ececf1;--muted:#a3a3ad;--bg:#16171a;--card:#202125;--accent:#7aa7ff;--bad:#ff8a80;--ok:#81c995}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;padding:1rem}
main{background:var(--card);max-width:34rem;width:100%;padding:2rem;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.12);overflow-wrap:anywhere}
@media (max-width:30rem){body{padding:.5rem}main{padding:1.25rem}}
h1{font-size:1.35rem;margin:0 0 .75rem}
h1.bad{color:var(--bad)}h1.ok{color:var(--ok)}
p{margin:.5rem 0}
.muted,small{color:var(--muted)}
.admin{border-left:3px solid var(--accent);padding:.5rem .75rem;margin:1rem 0;background:rgba(11,95,255,.06)}
a.button,button{display:inline-block;margin-top:1rem;padding:.6rem 1.1rem;border-radius:8px;border:0;background:var(--accent);color:#fff;text-decoration:none;font:inherit;cursor:pointer}
a.button:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
code{font-family:ui-monospace,monospace;font-size:.9em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{color:var(--muted)}dd{margin:0;word-break:break-word}
`;

export const PAGE_STYLE_HASH = `'sha256-${createHash('sha256').update(STYLES).digest('base64')}'`;

/** CSP for every page we render: nothing loads but our own hashed stylesheet. */
export const PAGE_CSP = `default-src 'none'; style-src ${PAGE_STYLE_HASH}; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Wraps already-escaped body HTML in the page shell. */
export function renderPage(title: string, bodyHtml: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><style>${STYLES}</style></head>
<body><main>${bodyHtml}</main></body></html>`;
}

export interface ErrorPageContent {
  readonly title: string;
  readonly message: string;
  readonly adminHint: string | undefined;
  readonly correlationId: string;
  /** Link to start the sign-in again, when that can help. */
  readonly restartUrl: string | undefined;
}

export function renderErrorPage(content: ErrorPageContent): string {
  const restart = content.restartUrl
    ? `<p><a class="button" href="${escapeHtml(content.restartUrl)}">Start sign-in again</a></p>`
    : '';
  const admin = content.adminHint
    ? `<div class="admin"><p><strong>For your Okta administrator:</strong> ${escapeHtml(content.adminHint)}</p></div>`
    : '';
  return renderPage(
    content.title,
    `<h1 class="bad">${escapeHtml(content.title)}</h1>
<p>${escapeHtml(content.message)}</p>${admin}${restart}
<p><small>If you contact support, quote this reference: <code>${escapeHtml(content.correlationId)}</code></small></p>`,
  );
}
