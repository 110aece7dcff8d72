/**
 * Starts DynamoDB Local from the jar shipped in the `amplify-dynamodb-simulator`
 * npm package, with the machine's Java. Used by `npm start` and the test setup.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { closeDocumentClient } from '../shared/adapters/dynamodb/client.ts';
import { createLocalDynamoDbClient } from '../shared/adapters/dynamodb/table.ts';
import { freePort } from './free-port.ts';

export interface DynamoDbLocalOptions {
  /** 0 or undefined: pick a free port. */
  readonly port?: number;
  /** Keep data in memory only. @default true */
  readonly inMemory?: boolean;
  /** Where data lives when `inMemory` is false (created if missing). */
  readonly dataDir?: string;
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

function findJava(): string {
  const candidates = [
    process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : undefined,
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'java')),
  ].filter((candidate): candidate is string => Boolean(candidate));
  const java = candidates.find((candidate) => existsSync(candidate));
  if (!java) {
    throw new Error(
      'DynamoDB Local needs Java, and none was found (JAVA_HOME or java on PATH). Install it, e.g. `apt-get install -y default-jre-headless`.',
    );
  }
  return java;
}

function emulatorDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const java = findJava();
  const dir = emulatorDir();
  const port = options.port || (await freePort());
  const args = [
    // Start-up flags: the JIT's first tier is enough for a test database and starts faster.
    '-XX:TieredStopAtLevel=1',
    '-Xshare:auto',
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    '-disableTelemetry',
  ];
  if (options.inMemory === false) {
    const dataDir = options.dataDir ?? join(process.cwd(), '.local-data', 'dynamodb');
    mkdirSync(dataDir, { recursive: true });
    args.push('-sharedDb', '-dbPath', dataDir);
  } else {
    args.push('-inMemory');
  }

  const child: ChildProcess = spawn(java, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exit;
    clearTimeout(timer);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const client = createLocalDynamoDbClient(endpoint);
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (exited) throw new Error(`DynamoDB Local exited during start-up:\n${output}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    closeDocumentClient(client);
  }
  return { endpoint, port, stop };
}
