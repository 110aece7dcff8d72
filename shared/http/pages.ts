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
main.wide{max-width:44rem}
h2{font-size:1.1rem;margin:0 0 .5rem}
section{border-top:1px solid rgba(128,128,128,.3);margin-top:1.5rem;padding-top:1rem}
ol.steps{padding-left:1.25rem}ol.steps li{margin:.6rem 0}
code.copy{display:block;user-select:all;background:rgba(128,128,128,.14);padding:.4rem .55rem;border-radius:6px;margin:.3rem 0}
label{display:block;font-weight:600;margin:.8rem 0 .25rem}
input[type=url],input[type=text],input[type=password]{width:100%;padding:.55rem;border:1px solid var(--muted);border-radius:6px;font:inherit;color:var(--fg);background:var(--card)}
label.check{display:flex;gap:.5rem;align-items:flex-start;font-weight:400}label.check input{margin-top:.35rem}
button[disabled]{opacity:.55;cursor:not-allowed}
ul.results{list-style:none;padding:0;margin:.75rem 0}ul.results li{position:relative;padding:.3rem 0 .3rem 1.6rem}
ul.results li::before{position:absolute;left:0;font-weight:700}
li.ok::before{content:"\\2713";color:var(--ok)}li.bad::before{content:"\\2717";color:var(--bad)}li.warn::before{content:"!";color:var(--bad)}
.saved{border-left:3px solid var(--ok);padding:.5rem .75rem;margin:1rem 0}
`;

export const PAGE_STYLE_HASH = `'sha256-${createHash('sha256').update(STYLES).digest('base64')}'`;

/**
 * CSP for a page we render: nothing loads but our own hashed stylesheet, and
 * forms post only to us, plus `formActions` (origins a form's redirect may
 * lead to, e.g. the tenant's Okta for the setup page's test sign-in).
 */
export function pageCsp(formActions: readonly string[] = []): string {
  const targets = ["'self'", ...formActions].join(' ');
  return `default-src 'none'; style-src ${PAGE_STYLE_HASH}; img-src data:; base-uri 'none'; form-action ${targets}; frame-ancestors 'none'`;
}

/** CSP for every page we render: nothing loads but our own hashed stylesheet. */
export const PAGE_CSP = pageCsp();

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Wraps already-escaped body HTML in the page shell; `wide` for pages of several sections (setup). */
export function renderPage(title: string, bodyHtml: string, options: { wide?: boolean } = {}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><style>${STYLES}</style></head>
<body><main${options.wide ? ' class="wide"' : ''}>${bodyHtml}</main></body></html>`;
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
