/**
 * On Node older than 22, the AWS SDK and oidc-provider each warn that Node 22
 * is needed; `quietOldNodeWarnings` turns those two into one line and leaves
 * every other warning alone. Checked in real child processes that load both
 * libraries, with and without it, on the Node that runs the tests.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { nodeMajor, RECOMMENDED_NODE_MAJOR } from '../../local/node-runtime.ts';

const run = promisify(execFile);

async function loadLibraries(quiet: boolean) {
  const filter = `
    const { quietOldNodeWarnings } = await import('./local/node-runtime.ts');
    const notice = quietOldNodeWarnings();
    if (notice) console.log(notice);`;
  const script = `${quiet ? filter : ''}
    await import('oidc-provider');
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }).destroy();
    console.warn('another library: something else to warn about');
    process.emitWarning('a warning of another kind');
  `;
  // The warning switch is the environment: start without it, as a developer's shell would.
  const env = { ...process.env };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env,
    timeout: 60_000,
  });
  return { stdout, stderr };
}

const oldNode = nodeMajor() < RECOMMENDED_NODE_MAJOR;

describe(`Node version warnings on Node ${process.versions.node}`, () => {
  it('are the libraries’ own warnings without the filter', async () => {
    const { stdout, stderr } = await loadLibraries(false);
    expect(stdout).toBe('');
    expect(stderr.includes('oidc-provider WARNING: Unsupported runtime')).toBe(oldNode);
    expect(stderr.includes('NodeVersionSupportWarning')).toBe(oldNode);
  });

  it('become one line with it, and other warnings still show', async () => {
    const { stdout, stderr } = await loadLibraries(true);
    expect(stderr).not.toContain('Unsupported runtime');
    expect(stderr).not.toContain('NodeVersionSupportWarning');
    expect(stderr).toContain('another library: something else to warn about');
    expect(stderr).toContain('a warning of another kind');
    const lines = stdout.split('\n').filter(Boolean);
    expect(lines).toEqual(oldNode ? [expect.stringContaining('Node.js 22 is recommended')] : []);
  });
});
