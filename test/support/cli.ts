import { vi } from 'vitest';
import { run as tenantCli } from '../../local/tenant-cli.ts';

export interface CliResult {
  code: number;
  // biome-ignore lint/suspicious/noExplicitAny: the CLI prints JSON of many shapes; tests read it freely
  output: any;
  stderr: string;
}

/** No one at the keyboard, as in CI or a pipe, whatever vitest's own stdin is: nothing is asked. */
const NO_TERMINAL = {
  interactive: false,
  ask: () => Promise.reject(new Error('the CLI asked a question without a terminal')),
};

/**
 * Runs the tenant CLI in-process (same code as `npm run tenant`), against the
 * table the running local stack put in the environment, capturing its output
 * and exit code (2 for a misused command, 1 for a failure). Not on a terminal.
 */
export function cli(...args: string[]): Promise<CliResult> {
  return runCaptured(args, NO_TERMINAL);
}

/** As `cli`, on a terminal where a person answers each question with `answer(question)`. */
export function cliOnTerminal(answer: (question: string) => string, ...args: string[]): Promise<CliResult> {
  return runCaptured(args, { interactive: true, ask: async (question: string) => answer(question) });
}

async function runCaptured(
  args: string[],
  terminal: { interactive: boolean; ask(question: string): Promise<string> },
): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err.push(String(chunk));
    return true;
  });
  try {
    const code = await tenantCli(args, terminal);
    return { code, output: out.length ? JSON.parse(out.join('')) : undefined, stderr: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}
