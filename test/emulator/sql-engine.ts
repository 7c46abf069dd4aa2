/**
 * The embedded engine: one PGlite (WASM Postgres) holding the SNOWFLAKE views as tables, run in a worker thread
 * (pglite-worker.js: PGlite's dynamic imports do not work inside Jest's module sandbox) and driven by messages.
 * Its data directory is a fresh temporary directory, removed on close: PGlite's memory:// file system copies a
 * growing table file on every extension, so bulk loads there slow down quadratically (200k rows load at
 * ~170k rows/s, 1M at ~70k rows/s), while a directory keeps ~400k rows/s however much is loaded.
 * Tables are UNLOGGED (no WAL: they are scratch data) and indexed on START_TIME / USAGE_DATE, as readers filter by them
 * (and QUERY_HISTORY on QUERY_ID, which QUERY_ATTRIBUTION_HISTORY is joined on).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { RAW_TYPES } from './result-encoding';

const SCHEMA_DDL = `
create schema organization_usage;
-- Snowflake's DATE_PART(EPOCH_SECOND, ts); translateSql maps the call onto it.
create function epoch_second(timestamptz) returns bigint language sql immutable as 'select extract(epoch from $1)::bigint';
-- DATE_PART(EPOCH_MILLISECOND, ts), truncated as Snowflake does.
create function epoch_millisecond(timestamptz) returns bigint language sql immutable as 'select floor(extract(epoch from $1) * 1000)::bigint';
create schema account_usage;

create unlogged table organization_usage.warehouse_metering_history (
  ORGANIZATION_NAME text, ACCOUNT_NAME text, ACCOUNT_LOCATOR text, REGION text,
  START_TIME timestamptz, END_TIME timestamptz, WAREHOUSE_ID bigint, WAREHOUSE_NAME text,
  CREDITS_USED numeric(38,9), CREDITS_USED_COMPUTE numeric(38,9), CREDITS_USED_CLOUD_SERVICES numeric(38,9)
);
create index on organization_usage.warehouse_metering_history (START_TIME);

create unlogged table account_usage.warehouse_metering_history (
  START_TIME timestamptz, END_TIME timestamptz, WAREHOUSE_ID bigint, WAREHOUSE_NAME text,
  CREDITS_USED numeric(38,9), CREDITS_USED_COMPUTE numeric(38,9), CREDITS_USED_CLOUD_SERVICES numeric(38,9)
);
create index on account_usage.warehouse_metering_history (START_TIME);

create unlogged table account_usage.query_history (
  QUERY_ID text, QUERY_TEXT text, QUERY_TAG text, USER_NAME text, ROLE_NAME text, WAREHOUSE_ID bigint,
  WAREHOUSE_NAME text, WAREHOUSE_SIZE text, QUERY_PARAMETERIZED_HASH text, START_TIME timestamptz, END_TIME timestamptz,
  EXECUTION_TIME bigint, COMPILATION_TIME bigint, QUEUED_OVERLOAD_TIME bigint, TOTAL_ELAPSED_TIME bigint,
  EXECUTION_STATUS text
);
create index on account_usage.query_history (START_TIME);
create index on account_usage.query_history (QUERY_ID);

create unlogged table account_usage.query_attribution_history (
  QUERY_ID text, PARENT_QUERY_ID text, ROOT_QUERY_ID text, WAREHOUSE_ID bigint, WAREHOUSE_NAME text, QUERY_HASH text,
  QUERY_PARAMETERIZED_HASH text, QUERY_TAG text, USER_NAME text, START_TIME timestamptz, END_TIME timestamptz,
  CREDITS_ATTRIBUTED_COMPUTE numeric(38,9), CREDITS_USED_QUERY_ACCELERATION numeric(38,9)
);
create index on account_usage.query_attribution_history (START_TIME);

create unlogged table organization_usage.usage_in_currency_daily (
  ORGANIZATION_NAME text, ACCOUNT_NAME text, ACCOUNT_LOCATOR text, REGION text, USAGE_DATE date,
  USAGE_TYPE text, CURRENCY text, USAGE numeric(38,9), USAGE_IN_CURRENCY numeric(38,9), BALANCE_SOURCE text
);
create index on organization_usage.usage_in_currency_daily (USAGE_DATE);
`;

/** A few Snowflake functions Postgres lacks (the ones a metering reader plausibly uses). */
function functionsDdl(account: string, organization: string, region: string): string {
  const constant = (name: string, value: string) =>
    `create function ${name}() returns text language sql immutable as $f$ select '${value.replace(/'/g, "''")}' $f$;`;
  return `
create function iff(boolean, anycompatible, anycompatible) returns anycompatible
  language sql immutable as $f$ select case when $1 then $2 else $3 end $f$;
create function zeroifnull(numeric) returns numeric language sql immutable as $f$ select coalesce($1, 0) $f$;
create function to_timestamp_ltz(text) returns timestamptz language sql stable as $f$ select $1::timestamptz $f$;
create function to_timestamp_ltz(timestamptz) returns timestamptz language sql immutable as $f$ select $1 $f$;
create function to_date(text) returns date language sql stable as $f$ select $1::date $f$;
${constant('current_account', account)}
${constant('current_account_name', account)}
${constant('current_organization_name', organization)}
${constant('current_region', region)}
`;
}

export interface RawResult {
  fields: { name: string; dataTypeID: number }[];
  /** Values in Postgres text form (see RAW_TYPES). */
  rows: unknown[][];
  command: string | undefined;
  affectedRows: number;
}

/** A Postgres error as the worker reports it (DatabaseError's fields). */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly position: string | undefined,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { message: string; code?: string; position?: string } };

export class SqlEngine {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly dataDir: string,
  ) {
    worker.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(new EngineError(reply.error.message, reply.error.code, reply.error.position));
    });
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', (code) => this.failAll(new Error(`the PGlite worker exited (code ${code})`)));
  }

  static async create(account: string, organization: string, region: string): Promise<SqlEngine> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snowflake-emulator-'));
    const setupSql = `set time zone 'UTC'; set datestyle to ISO; ${SCHEMA_DDL} ${functionsDdl(account, organization, region)}`;
    const worker = new Worker(path.join(__dirname, 'pglite-worker.js'), {
      workerData: { dataDir, setupSql, rawTypes: RAW_TYPES },
    });
    const engine = new SqlEngine(worker, dataDir);
    try {
      await engine.sql('select 1');
    } catch (err) {
      await engine.close();
      throw err;
    }
    return engine;
  }

  private call<T>(message: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the SQL engine is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  private failAll(err: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }

  /** Run one statement with text parameters; values of RAW_TYPES come back in Postgres text form. */
  run(text: string, params: (string | null)[]): Promise<RawResult> {
    return this.call<RawResult>({ kind: 'raw', text, params });
  }

  /** Run one statement with PGlite's own value parsing (Date, number …). */
  sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
    return this.call<T[]>({ kind: 'rows', text, params });
  }

  /** COPY `table (columns)` FROM the given CSV text. */
  copyCsv(table: string, columns: string, csv: string): Promise<void> {
    return this.call<void>({
      kind: 'copy',
      text: `copy ${table} (${columns}) from '/dev/blob' with (format csv)`,
      csv,
    });
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      try {
        const id = this.nextId++;
        await new Promise<void>((resolve) => {
          this.pending.set(id, { resolve: () => resolve(), reject: () => resolve() });
          this.worker.postMessage({ kind: 'close', id });
        });
      } finally {
        await this.worker.terminate();
        fs.rmSync(this.dataDir, { recursive: true, force: true });
      }
    })();
    return this.closed;
  }
}
