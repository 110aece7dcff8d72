/**
 * The service under benchmark and what it talks to, all real and local:
 * DynamoDB Local behind the counting meter, the local stack in its own
 * process (bench/stack-child.ts, on BENCH_NODE), and the test identity
 * provider with two tenants. `login` is a full tile login of one user.
 */

import { type ChildProcess, fork } from 'node:child_process';
import { repositoryPath } from '../infra/paths.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { type DynamoDbProxy, startDynamoDbProxy } from '../local/dynamodb-proxy.ts';
import { TestBrowser, tileLogin } from '../local/http-browser.ts';
import { registerTenant } from '../local/stack.ts';
import { startTestIdp, type TestIdp } from '../local/test-idp.ts';
import { closeDocumentClient } from '../shared/adapters/dynamodb/client.ts';
import { createLocalDynamoDbClient, ensureTable } from '../shared/adapters/dynamodb/table.ts';
import { tenantCallbackUrl } from '../shared/tenant-urls.ts';
import { SERVICE_NODE } from './settings.ts';

/** Invocations, CPU and wall time of each route's handler in the service process. */
export interface ChildStats {
  [routeKey: string]: {
    invocations: number;
    cpuMicros: number;
    wallMs: number;
    /** Each invocation's CPU (µs) and wall time (ms), in order. */
    cpuMicrosPerCall: number[];
    wallMsPerCall: number[];
  };
}

export interface BenchService {
  readonly url: string;
  readonly dynamo: DynamoDbLocal;
  readonly tableName: string;
  readonly meter: DynamoDbProxy;
  readonly idp: TestIdp;
  /** A tile login (initiate, sign-in at the IdP, callback) in `browser`, which then holds the session. */
  login(tenant: string, user: string, browser?: TestBrowser): Promise<TestBrowser>;
  /** Asks the service process over IPC and waits for its answer of the same type. */
  ask<T = unknown>(type: string): Promise<T>;
  /** Stops the service process, the IdP and the meter; DynamoDB Local stays for the call benchmarks. */
  stop(): Promise<void>;
}

/** The tenants: `bench` for the latency and throughput logins, `bench_first` for the request counts. */
export const TENANTS = ['bench', 'bench_first'] as const;

function ask<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string } & T) => {
      if (message.type === type) {
        child.off('message', onMessage);
        resolve(message);
      }
    };
    child.on('message', onMessage);
    child.send({ type });
  });
}

export async function startBenchService(handlerModules: Record<string, string> | undefined): Promise<BenchService> {
  const dynamo = await startDynamoDbLocal({ inMemory: true });
  const tableName = 'bench';
  const tableClient = createLocalDynamoDbClient(dynamo.endpoint);
  await ensureTable(tableClient, tableName);
  closeDocumentClient(tableClient);
  const meter = await startDynamoDbProxy(dynamo.endpoint);

  const child = fork(repositoryPath('bench/stack-child.ts'), [], {
    execPath: SERVICE_NODE,
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      BENCH_DYNAMODB_ENDPOINT: meter.endpoint,
      BENCH_TABLE: tableName,
      ...(handlerModules ? { BENCH_HANDLER_MODULES: JSON.stringify(handlerModules) } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { url } = await new Promise<{ url: string }>((resolve) => {
    const onReady = (message: { type?: string; url: string }) => {
      if (message.type !== 'bench:ready') return;
      child.off('message', onReady);
      resolve(message);
    };
    child.on('message', onReady);
  });
  const idp = await startTestIdp({
    clients: TENANTS.map((tenant) => ({
      clientId: `${tenant}-client`,
      clientSecret: `${tenant}-secret-0123456789`,
      redirectUris: [tenantCallbackUrl(url, tenant)],
    })),
  });
  for (const tenant of TENANTS) {
    await registerTenant(dynamo.endpoint, tableName, {
      tenantId: tenant,
      issuer: idp.issuer,
      clientId: `${tenant}-client`,
      clientSecret: `${tenant}-secret-0123456789`,
    });
  }

  return {
    url,
    dynamo,
    tableName,
    meter,
    idp,
    login: async (tenant, user, browser = new TestBrowser()) => {
      const result = await tileLogin(browser, {
        serviceUrl: url,
        tenant,
        issuer: idp.issuer,
        login: user,
        stopAfterCallback: true,
      });
      if (result.callback?.status !== 302) throw new Error(`bench login failed: ${result.callback?.status}`);
      return browser;
    },
    ask: (type) => ask(child, type),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'bench:stop' });
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      child.kill();
      await idp.stop();
      await meter.stop();
    },
  };
}
