/**
 * Assembles what a CLI command needs: config, database, activities, Temporal client, and (when asked) an
 * in-process worker — and closes all of it in reverse order.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities';
import { openSource } from '../activities/sources';
import { openDatabase, type Database } from '../activities/store/database';
import type { Config } from '../schemas/config';
import { createSnowpatrolWorker } from '../worker/create-worker';
import { ensureTemporal, existingTemporal, type TemporalTarget } from './temporal-target';

/** Open the state database named by the config (PGlite under `<home>/pglite` when DATABASE_URL is unset). */
export function openConfiguredDatabase(config: Config): Promise<Database> {
  return openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.home, 'pglite') });
}

/** Run `fn` with the configured state database, closed afterwards. */
export async function withDatabase<T>(config: Config, fn: (db: Database['db']) => Promise<T>): Promise<T> {
  const database = await openConfiguredDatabase(config);
  try {
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

/**
 * Run `fn` with a client of a Temporal server that outlives this command (the configured one — TEMPORAL_ADDRESS or
 * a config file profile, with its TLS or API key — or a dev server already running), closed afterwards: for
 * commands that must not start their own server.
 */
export async function withExistingClient<T>(config: Config, fn: (client: Client) => Promise<T>): Promise<T> {
  const temporal = await existingTemporal(config);
  const connection = await Connection.connect(temporal.connectOptions);
  try {
    return await fn(new Client({ connection, namespace: temporal.namespace, dataConverter: temporal.dataConverter }));
  } finally {
    await connection.close();
  }
}

/** Activities wired to this config's database, sources and outbox. */
export function activitiesFor(config: Config, database: Database, namespace: string, temporalClient?: Client) {
  return createActivities({
    db: database.db,
    openSource: (spec, context) =>
      openSource(spec, { demoSeed: config.demoSeed, cwd: process.cwd(), snowflake: config.snowflake, ...context }),
    defaultSource: config.source,
    outboxDir: config.outboxDir,
    webUiUrl: config.webUiUrl,
    namespace,
    prices: config.prices,
    detection: config.detection,
    alerts: config.alerts,
    temporalClient,
  });
}

export interface AppSession {
  config: Config;
  database: Database;
  temporal: TemporalTarget;
  client: Client;
  /**
   * Run client calls so that closing the session cancels them first (a long poll left running would otherwise
   * retry on a closed channel after shutdown).
   */
  call<R>(fn: () => Promise<R>): Promise<R>;
}

export interface AppOptions {
  /** Run a worker in this process while `fn` runs (needed with PGlite, which one process owns). */
  worker: boolean;
  log: (line: string) => void;
}

/** Run `fn` with everything open; close it all afterwards, whatever happens. */
export async function withApp<T>(config: Config, options: AppOptions, fn: (app: AppSession) => Promise<T>): Promise<T> {
  const cleanup: (() => Promise<void>)[] = [];
  try {
    const database = await openConfiguredDatabase(config);
    cleanup.push(() => database.close());
    options.log(`Database: ${database.location} (migrated)`);

    const temporal = await ensureTemporal(config, options.log);
    cleanup.push(() => temporal.stop());
    options.log(`Temporal: ${temporal.description}`);

    const connection = await Connection.connect(temporal.connectOptions);
    cleanup.push(() => connection.close());
    const client = new Client({ connection, namespace: temporal.namespace, dataConverter: temporal.dataConverter });
    const abort = new AbortController();
    cleanup.push(async () => abort.abort());
    // One child signal per call, unhooked when the call ends: the client leaves its listeners on the signal it is
    // given, so sharing one signal across a long run's progress polls would pile them up.
    const call = async <R>(fn: () => Promise<R>) => {
      const child = new AbortController();
      const forward = () => child.abort();
      abort.signal.addEventListener('abort', forward, { once: true });
      try {
        return await client.withAbortSignal(child.signal, fn);
      } finally {
        abort.signal.removeEventListener('abort', forward);
      }
    };
    const app: AppSession = { config, database, temporal, client, call };
    if (!options.worker) return await fn(app);

    const nativeConnection = await NativeConnection.connect(temporal.connectOptions);
    cleanup.push(() => nativeConnection.close());
    const worker = await createSnowpatrolWorker({
      connection: nativeConnection,
      namespace: temporal.namespace,
      activities: activitiesFor(config, database, temporal.namespace, client),
      maxConcurrentActivities: config.maxConcurrentActivities,
      dataConverter: temporal.dataConverter,
    });
    options.log('Worker: polling task queue "snowpatrol"');
    return await worker.runUntil(fn(app));
  } finally {
    for (const close of cleanup.reverse()) {
      await close().catch((err: unknown) => options.log(`warning: cleanup failed: ${String(err)}`));
    }
  }
}
