/**
 * Lambda runs this service on Node.js 22 (`nodejs22.x`), and that is the
 * Node.js to develop on; 20.19 or later still works. On Node 20 two
 * dependencies warn about it: the AWS SDK once per process (a multi-line
 * NodeVersionSupportWarning) and oidc-provider each time its module is loaded,
 * which in the test suite is once per test file, dozens of times a run. Both
 * say the same thing, so on Node older than 22 this replaces exactly those two
 * warnings with one line. Every other warning still shows.
 */

export const RECOMMENDED_NODE_MAJOR = 22;

/** oidc-provider's runtime check (its lib/index.js), printed with console.warn. */
const OIDC_PROVIDER_RUNTIME_WARNING = 'oidc-provider WARNING: Unsupported runtime.';

// oidc-provider colours the line when stderr is a terminal.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matches the ANSI escape it adds
const ANSI = /\u001b\[[\d;]*m/g;

export function nodeMajor(version: string = process.versions.node): number {
  return Number.parseInt(version.split('.')[0] ?? '', 10);
}

// Kept per process, not per module instance: vitest evaluates its config once
// per project and the setup file once per test file, all in the same process.
const FILTER = Symbol.for('okta-tile-login.quiet-old-node-warnings');

/**
 * On Node older than 22: turns off the AWS SDK's Node version warning (its
 * documented switch) and drops oidc-provider's "Unsupported runtime" line.
 * Returns the one line to print instead the first time in a process, and
 * undefined after that and on Node 22 and later. Call it before those modules
 * load.
 */
export function quietOldNodeWarnings(): string | undefined {
  if (nodeMajor() >= RECOMMENDED_NODE_MAJOR) return undefined;
  const notice = `Node.js ${process.versions.node}: works, but Node.js ${RECOMMENDED_NODE_MAJOR} is recommended (Lambda runs nodejs${RECOMMENDED_NODE_MAJOR}.x; the AWS SDK and oidc-provider warn about older versions).`;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  if (FILTER in console.warn) return undefined;
  const warn = console.warn.bind(console);
  const filtered = (...args: unknown[]) => {
    const [first] = args;
    if (
      args.length === 1 &&
      typeof first === 'string' &&
      first.replace(ANSI, '').startsWith(OIDC_PROVIDER_RUNTIME_WARNING)
    ) {
      return;
    }
    warn(...args);
  };
  console.warn = Object.assign(filtered, { [FILTER]: true });
  return notice;
}
