/**
 * The Chromium the browser tests drive, so that `npm ci && npm test` passes on
 * a machine with only Node and Java. In order:
 *
 * 1. `CHROMIUM_PATH`, when set (any Chromium or Chrome binary);
 * 2. the system's Chromium, `/usr/bin/chromium` (Debian's `chromium` package);
 * 3. the headless Chromium shipped inside the `@sparticuz/chromium` npm
 *    package (a devDependency; Linux x64 only), unpacked by the package on
 *    first use to `<tmpdir>/chromium` (about 2 s, once per machine).
 *
 * With none of them, the browser tests fail with one sentence saying what to
 * install. The browser project's global setup resolves this once per run, so
 * parallel test files never unpack the binary at the same time.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';

const run = promisify(execFile);

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

export type ChromiumChoice =
  | { readonly executablePath: string; readonly description: string }
  | { readonly problem: string };

export const NO_CHROMIUM =
  'The browser tests need Chromium: install it (`apt-get install -y chromium`) or set CHROMIUM_PATH to a Chromium or Chrome binary (the npm-packaged fallback, @sparticuz/chromium, runs on Linux x64 only).';

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `Chromium 153.0.8010.0` → `153.0.8010.0`; undefined when the binary does not run. */
async function versionOf(path: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(path, ['--version'], { timeout: 20_000 });
    return /(\d+\.\d+\.\d+\.\d+)/.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}

async function packagedChromium(platform: string, arch: string): Promise<ChromiumChoice> {
  if (platform !== 'linux' || arch !== 'x64') return { problem: NO_CHROMIUM };
  let packageDir: string;
  try {
    packageDir = dirname(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')));
  } catch {
    return { problem: NO_CHROMIUM };
  }
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const major = version.split('.')[0];
  const { default: packaged } = await import('@sparticuz/chromium');
  for (let attempt = 1; ; attempt += 1) {
    const unpacked = existsSync(join(tmpdir(), 'chromium'));
    const started = performance.now();
    // The package reuses <tmpdir>/chromium when it exists. One left half-written
    // by an interrupted unpack, or unpacked by another version of the package,
    // would not start (or not match playwright-core): check it, and unpack again.
    let path: string;
    try {
      path = await packaged.executablePath();
    } catch (error) {
      return {
        problem: `Chromium from @sparticuz/chromium could not be unpacked to ${tmpdir()} (${(error as Error).message}): free space there, or set CHROMIUM_PATH to a Chromium or Chrome binary.`,
      };
    }
    const found = await versionOf(path);
    if (found?.split('.')[0] === major) {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      return {
        executablePath: path,
        description: `Chromium ${found} from the @sparticuz/chromium npm package (${path}, ${unpacked ? 'unpacked before' : `unpacked in ${seconds} s`})`,
      };
    }
    if (attempt === 2) {
      return {
        problem: `The Chromium unpacked from @sparticuz/chromium to ${path} does not start as version ${major}: delete it and run again, or set CHROMIUM_PATH to a Chromium or Chrome binary.`,
      };
    }
    rmSync(path, { force: true });
  }
}

/**
 * Picks the Chromium for this run: CHROMIUM_PATH, the system's, or the
 * packaged one. The options stand in for this machine in tests.
 */
export async function resolveChromium(
  machine: { env?: NodeJS.ProcessEnv; systemPath?: string; platform?: string; arch?: string } = {},
): Promise<ChromiumChoice> {
  const { env = process.env, systemPath = SYSTEM_CHROMIUM, platform = process.platform, arch = process.arch } = machine;
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    return isExecutableFile(configured)
      ? { executablePath: configured, description: `CHROMIUM_PATH (${configured})` }
      : { problem: `CHROMIUM_PATH is set to ${configured}, which is not an executable file.` };
  }
  if (isExecutableFile(systemPath)) {
    return { executablePath: systemPath, description: `the system Chromium (${systemPath})` };
  }
  return packagedChromium(platform, arch);
}

/**
 * Launches the chosen Chromium headless with the project's own flags, never
 * @sparticuz/chromium's defaults (those switch web security off, and these
 * tests check CSP, SameSite and CORS as users' browsers apply them).
 */
export async function launchChromium(choice: ChromiumChoice): Promise<Browser> {
  if ('problem' in choice) throw new Error(choice.problem);
  return chromium.launch({
    executablePath: choice.executablePath,
    headless: true,
    // Chromium refuses to start its sandbox as root; as any other user it keeps it.
    chromiumSandbox: process.getuid?.() !== 0,
    // playwright-core gives every launch a fresh temporary user-data-dir and removes it on close.
    args: [
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const SCREENSHOTS = 'test-results/screenshots';

/** Collects CSP violations and page errors: a page that works must produce none. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

/** A full-page screenshot in test-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

/** True when the page is wider than its viewport (something overflows sideways). */
export function overflowsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}
