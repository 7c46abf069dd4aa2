/**
 * The bulk path of a whole-file load into Postgres (postgres.js). Rows are COPYed into an UNLOGGED staging table
 * while the file is read and checked, in one pass; only when the whole file was good are they merged into
 * `metering_hourly`, sorted by its key (appends to the index instead of scattered inserts) and as a plain INSERT
 * where the time range held nothing yet (an upsert otherwise). A file with a bad row leaves `metering_hourly`
 * untouched.
 *
 * A staging table is named after the backend that created it (`metering_stage_<pid>_<random>`) and lives on that
 * reserved connection; a stage whose backend is gone (a killed worker) is dropped by the next stage created.
 */
import crypto from 'node:crypto';
import type { Sql } from 'postgres';
import type { HourlyMeteringRow } from '../sources';
import type { Db } from './database';
import { HOURLY_ON_CONFLICT } from './metering-store';

export interface MeteringStage {
  /** Append rows (COPY); waits while Postgres is behind. */
  write(rows: readonly HourlyMeteringRow[]): Promise<void>;
  /** End the COPY: every row written is in the stage. */
  seal(): Promise<void>;
  /**
   * Move the staged rows starting in [fromMs, toMs) into `metering_hourly` (one statement, one transaction);
   * returns how many rows were new or changed. Merges of disjoint ranges may run side by side.
   */
  merge(fromMs: number, toMs: number, source: string): Promise<number>;
  /** Drop the stage and release its connection (always call, whatever happened). */
  discard(): Promise<void>;
}

export type OpenMeteringStage = () => Promise<MeteringStage>;

/** The staged COPY path when `db` runs on postgres.js; undefined for PGlite (which keeps the batched upserts). */
export function meteringStager(db: Db): OpenMeteringStage | undefined {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (!isPostgresJs(client)) return undefined;
  return () => openStage(client);
}

function isPostgresJs(client: unknown): client is Sql {
  if (typeof client !== 'function') return false;
  const c = client as unknown as { reserve?: unknown; unsafe?: unknown };
  return typeof c.reserve === 'function' && typeof c.unsafe === 'function';
}

const STAGE_PREFIX = 'metering_stage_';

async function openStage(sql: Sql): Promise<MeteringStage> {
  const conn = await sql.reserve();
  let table: string | undefined;
  try {
    const [{ pid }] = await conn<{ pid: number }[]>`select pg_backend_pid() as pid`;
    await dropAbandonedStages(conn);
    table = `${STAGE_PREFIX}${pid}_${crypto.randomBytes(4).toString('hex')}`;
    await conn.unsafe(
      `create unlogged table ${table} (account text not null, warehouse_id bigint not null, ` +
        'warehouse_name text not null, start_ms bigint not null, end_ms bigint not null, credits_used numeric not null, ' +
        'credits_used_compute numeric not null, credits_used_cloud_services numeric not null)',
    );
    const copy = await conn.unsafe(`copy ${table} from stdin`).writable();
    return new CopyStage(sql, conn, table, copy);
  } catch (err) {
    if (table) await conn.unsafe(`drop table if exists ${table}`).catch(() => undefined);
    conn.release();
    throw err;
  }
}

/** Drop stages left by backends that no longer exist (a worker killed mid-load). */
async function dropAbandonedStages(conn: Sql): Promise<void> {
  const stale = await conn<{ name: string }[]>`
    select c.relname as name from pg_class c
    where c.relkind = 'r' and c.relpersistence = 'u' and c.relname ~ ${`^${STAGE_PREFIX}[0-9]+_[0-9a-z]+$`}
      and pg_table_is_visible(c.oid)
      and split_part(substr(c.relname, ${STAGE_PREFIX.length + 1}), '_', 1)::int
        not in (select pid from pg_stat_activity where pid is not null)`;
  for (const { name } of stale) await conn.unsafe(`drop table if exists ${name}`);
}

class CopyStage implements MeteringStage {
  private failure: Error | undefined;
  private sealed = false;

  constructor(
    private readonly sql: Sql,
    private readonly conn: Awaited<ReturnType<Sql['reserve']>>,
    private readonly table: string,
    private readonly copy: NodeJS.WritableStream & { destroyed?: boolean; destroy(err?: Error): void },
  ) {
    copy.on('error', (err: Error) => (this.failure ??= err));
  }

  async write(rows: readonly HourlyMeteringRow[]): Promise<void> {
    this.throwIfFailed();
    if (rows.length === 0) return;
    if (!this.copy.write(copyText(rows))) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.copy.off('drain', done);
          this.copy.off('error', done);
          this.copy.off('close', done);
          resolve();
        };
        this.copy.on('drain', done).on('error', done).on('close', done);
      });
      this.throwIfFailed();
    }
  }

  async seal(): Promise<void> {
    this.throwIfFailed();
    await new Promise<void>((resolve, reject) =>
      this.copy.end((err?: Error | null) => (err ? reject(this.failure ?? err) : resolve())),
    );
    this.sealed = true;
  }

  async merge(fromMs: number, toMs: number, source: string): Promise<number> {
    if (!this.sealed) throw new Error('merge before seal: the COPY is still open');
    const occupied = await this.sql`
      select 1 from metering_hourly
      where start_time >= to_timestamp(${fromMs / 1000}) and start_time < to_timestamp(${toMs / 1000}) limit 1`;
    if (occupied.length === 0) {
      try {
        return (await this.sql.unsafe(mergeStatement(this.table, 'insert'), [fromMs, toMs, source])).count;
      } catch (err) {
        // Another load wrote into the range since the check: merge as an upsert instead.
        if ((err as { code?: string }).code !== '23505') throw err;
      }
    }
    return (await this.sql.unsafe(mergeStatement(this.table, 'upsert'), [fromMs, toMs, source])).count;
  }

  async discard(): Promise<void> {
    try {
      if (!this.sealed && !this.copy.destroyed) this.copy.destroy(new Error('load abandoned'));
      await this.conn.unsafe(`drop table if exists ${this.table}`).catch(async () => {
        // The reserved connection may be the one that failed: drop it through the pool instead.
        await this.sql.unsafe(`drop table if exists ${this.table}`);
      });
    } finally {
      this.conn.release();
    }
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

/**
 * The staged rows of [$1, $2) (epoch ms) into metering_hourly, in key order. `insert` is for a range that held
 * nothing (fails on any conflict); `upsert` changes only rows that differ, so an exact re-load writes nothing.
 */
function mergeStatement(table: string, kind: 'insert' | 'upsert'): string {
  const insert = `
    insert into metering_hourly (account, warehouse_id, warehouse_name, start_time, end_time, credits_used,
      credits_used_compute, credits_used_cloud_services, source)
    select account, warehouse_id, warehouse_name, timestamptz 'epoch' + start_ms * interval '1 millisecond',
      timestamptz 'epoch' + end_ms * interval '1 millisecond', credits_used, credits_used_compute,
      credits_used_cloud_services, $3::text
    from ${table} where start_ms >= $1 and start_ms < $2
    order by start_ms, account, warehouse_id`;
  return kind === 'insert' ? insert : `${insert}${HOURLY_ON_CONFLICT}`;
}

/** Rows as COPY text: tab-separated, one per line, text escaped, times as epoch ms. */
export function copyText(rows: readonly HourlyMeteringRow[]): string {
  let text = '';
  for (const r of rows) {
    text +=
      `${copyField(r.account)}\t${r.warehouseId}\t${copyField(r.warehouseName)}\t${r.startTime.getTime()}\t` +
      `${r.endTime.getTime()}\t${finite(r.creditsUsed)}\t${finite(r.creditsUsedCompute)}\t` +
      `${finite(r.creditsUsedCloudServices)}\n`;
  }
  return text;
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** A text field in COPY's text format: backslash, tab, newline and carriage return escaped. */
export function copyField(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

function finite(n: number): number {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  return n;
}
