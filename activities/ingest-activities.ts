/** Ingest: plan the window to (re)load, then stream a source into the metering tables, day chunk by chunk. */
import { Context } from '@temporalio/activity';
import { BoundedWrites } from './bounded-writes';
import { withHeartbeat } from './heartbeat';
import { openActivitySource, type OpenSource } from './activity-source';
import { addDays, daysBetween } from '../schemas/dates';
import { readChunks } from './read-ahead';
import { planWindow } from './ingest-plan';
import type { MeteringSource } from './sources';
import type { Db } from './store/database';
import { ingestedDaysBetween, markDaysIngested, refreshDaily, upsertHourly } from './store/metering-store';
import { meteringStager, type OpenMeteringStage } from './store/metering-stage';
import { canStage, stagedExtract } from './staged-extract';
import { upsertCreditPrices } from './store/price-store';

export interface IngestDeps {
  db: Db;
  /** `queryTag` attributes the source's own queries (Snowflake QUERY_TAG) to the workflow and activity. */
  openSource: OpenSource;
  defaultSource: string;
}

export interface PlanIngestWindowInput {
  source?: string;
  /** An explicit first day; when absent it is planned from what is already loaded. */
  from?: string;
  to: string;
  historyDays: number;
  reloadDays: number;
}

export interface IngestWindow {
  source: string;
  from: string;
  to: string;
}

export interface ExtractMeteringInput {
  source: string;
  from: string;
  to: string;
}

export interface ExtractMeteringResult {
  rowsRead: number;
  rowsUpserted: number;
  days: number;
  warehouses: number;
}

/** Heartbeat details: the last day fully loaded, so a retry resumes after it. */
export interface ExtractHeartbeat {
  completedThrough: string;
  rowsRead: number;
  rowsUpserted: number;
  warehouses: string[];
}

const BATCH_ROWS = 2000;
/** Batches being written at once while the next is read (each on its own pooled connection). */
const WRITES_IN_FLIGHT = 2;

export function createIngestActivities(deps: IngestDeps) {
  const openStage = meteringStager(deps.db);
  return {
    /** Decide which days this run loads. */
    async planIngestWindow(input: PlanIngestWindowInput): Promise<IngestWindow> {
      const source = input.source ?? deps.defaultSource;
      deps.openSource(source); // validates the spec before anything is planned
      if (input.from) return { source, from: input.from, to: input.to };
      const earliest = addDays(input.to, 1 - input.historyDays);
      const loaded = await ingestedDaysBetween(deps.db, source, earliest, input.to);
      return { source, from: planWindow(loaded, input.to, input.historyDays, input.reloadDays), to: input.to };
    },

    /** Stream metering for from … to into `metering_hourly` and refresh `metering_daily`, resuming after a retry. */
    async extractWarehouseMetering(input: ExtractMeteringInput): Promise<ExtractMeteringResult> {
      const ctx = Context.current();
      const source = openActivitySource(deps.openSource, input.source);
      try {
        const checkpoint = initialProgress(ctx, input);
        return await withHeartbeat(
          ctx,
          () => checkpoint,
          () => extract(deps.db, openStage, ctx, source, input, checkpoint),
        );
      } finally {
        await source.close?.();
      }
    },
  };
}

/** Where to start: the heartbeat details of an earlier attempt, else the day before `from`. */
function initialProgress(ctx: Context, input: ExtractMeteringInput): ExtractHeartbeat {
  const resumed = ctx.info.heartbeatDetails as ExtractHeartbeat | undefined;
  if (resumed) {
    ctx.log.info('resuming metering extract', { after: resumed.completedThrough, attempt: ctx.info.attempt });
    return { ...resumed };
  }
  return { completedThrough: addDays(input.from, -1), rowsRead: 0, rowsUpserted: 0, warehouses: [] };
}

/**
 * Load from … to — in one staged pass for a whole-file source on Postgres, else chunk by chunk — then the window's
 * prices. Heartbeats carry `checkpoint`, the state after the last finished chunk, so a retry resumes after it with
 * consistent counts; rows of an unfinished chunk are simply written again.
 */
async function extract(
  db: Db,
  openStage: OpenMeteringStage | undefined,
  ctx: Context,
  source: MeteringSource,
  input: ExtractMeteringInput,
  checkpoint: ExtractHeartbeat,
): Promise<ExtractMeteringResult> {
  if (openStage && canStage(source)) await stagedExtract(db, openStage, ctx, source, input, checkpoint);
  else await extractInChunks(db, ctx, source, input, checkpoint);
  // Prices are a few rows per account and day: one query for the whole window.
  const prices = await source.readCreditPrices?.(input.from, input.to);
  if (prices) await upsertCreditPrices(db, prices, source.spec);
  return {
    rowsRead: checkpoint.rowsRead,
    rowsUpserted: checkpoint.rowsUpserted,
    days: daysBetween(input.from, input.to) + 1,
    warehouses: checkpoint.warehouses.length,
  };
}

/** Batched upserts, chunk by chunk, `WRITES_IN_FLIGHT` at once. */
async function extractInChunks(
  db: Db,
  ctx: Context,
  source: MeteringSource,
  input: ExtractMeteringInput,
  checkpoint: ExtractHeartbeat,
): Promise<void> {
  const progress = { ...checkpoint };
  const warehouses = new Set(progress.warehouses);
  const writes = new BoundedWrites(WRITES_IN_FLIGHT);
  try {
    for await (const chunk of readChunks(source, addDays(progress.completedThrough, 1), input.to, BATCH_ROWS)) {
      const { from: chunkFrom, to: chunkTo } = chunk;
      for await (const batch of chunk.batches) {
        progress.rowsRead += batch.length;
        for (const row of batch) warehouses.add(`${row.account}.${row.warehouseName}`);
        await writes.add(async () => {
          const upserted = await upsertHourly(db, batch, source.spec); // read `progress` after the await
          progress.rowsUpserted += upserted;
        });
        ctx.heartbeat(checkpoint);
      }
      await writes.drain();
      await refreshDaily(db, chunkFrom, chunkTo);
      await markDaysIngested(db, source.spec, chunkFrom, chunkTo);
      progress.completedThrough = chunkTo;
      Object.assign(checkpoint, progress, { warehouses: [...warehouses] });
      ctx.heartbeat(checkpoint);
    }
  } finally {
    await writes.settle();
  }
}
