/**
 * Which Chromium the browser tests get, machine by machine. The packaged
 * fallback itself is what the browser project runs on machines without a
 * system Chromium (this one included); here, the choices around it.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NO_CHROMIUM, resolveChromium } from './chromium.ts';

const dir = mkdtempSync(join(tmpdir(), 'chromium-choice-'));
const fakeBrowser = join(dir, 'chrome');
writeFileSync(fakeBrowser, '#!/bin/sh\necho Chromium 1.0.0.0\n');
chmodSync(fakeBrowser, 0o755);
const missing = join(dir, 'missing');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the Chromium for the browser tests', () => {
  it('is CHROMIUM_PATH when set, before the system one', async () => {
    const choice = await resolveChromium({ env: { CHROMIUM_PATH: fakeBrowser }, systemPath: fakeBrowser });
    expect(choice).toEqual({ executablePath: fakeBrowser, description: `CHROMIUM_PATH (${fakeBrowser})` });
  });

  it('refuses a CHROMIUM_PATH that is not an executable file', async () => {
    await expect(resolveChromium({ env: { CHROMIUM_PATH: missing } })).resolves.toEqual({
      problem: `CHROMIUM_PATH is set to ${missing}, which is not an executable file.`,
    });
    await expect(resolveChromium({ env: { CHROMIUM_PATH: dir } })).resolves.toHaveProperty('problem');
  });

  it('is the system Chromium when there is one', async () => {
    await expect(resolveChromium({ env: {}, systemPath: fakeBrowser })).resolves.toEqual({
      executablePath: fakeBrowser,
      description: `the system Chromium (${fakeBrowser})`,
    });
  });

  it('says in one sentence what to install where the packaged one cannot run', async () => {
    for (const machine of [
      { platform: 'darwin', arch: 'arm64' },
      { platform: 'linux', arch: 'arm64' },
    ]) {
      await expect(resolveChromium({ env: {}, systemPath: missing, ...machine })).resolves.toEqual({
        problem: NO_CHROMIUM,
      });
    }
    expect(NO_CHROMIUM).toMatch(/^The browser tests need Chromium: install it \(`apt-get install -y chromium`\)/);
    expect(NO_CHROMIUM.match(/\.(\s|$)/g)).toHaveLength(1);
  });
});
