/**
 * The one-pass load of a whole-file source into Postgres: the file is read and checked once while its rows are
 * COPYed into a stage; only a file read to the end is merged into the metering tables, in time ranges two at a time
 * (Postgres sorts and inserts one range while it aggregates or inserts the next). A bad row throws before anything
 * reaches `metering_hourly`, like the two-pass load, at half the reading.
 */
import type { Context } from '@temporalio/activity';
import { addDays, dayToMs, daysBetween } from '../schemas/dates';
import { BoundedWrites } from './bounded-writes';
import type { ExtractHeartbeat, ExtractMeteringInput } from './ingest-activities';
import type { MeteringSource } from './sources';
import type { Db } from './store/database';
import { markDaysIngested, refreshDaily } from './store/metering-store';
import type { OpenMeteringStage } from './store/metering-stage';

/** Rows per COPY write. */
const COPY_BATCH_ROWS = 5000;
/** Time ranges the merge is cut into: two run at a time, and each finished one is a resume point. */
const MERGE_RANGES = 4;
const MERGES_AT_ONCE = 2;

type OnePassSource = MeteringSource & Required<Pick<MeteringSource, 'readOnePass'>>;

export function canStage(source: MeteringSource): source is OnePassSource {
  return typeof source.readOnePass === 'function';
}

/**
 * Load the days after `checkpoint.completedThrough` up to `input.to`; `checkpoint` is updated (and heartbeated)
 * each time a contiguous run of ranges from the start is fully in the metering tables.
 */
export async function stagedExtract(
  db: Db,
  openStage: OpenMeteringStage,
  ctx: Context,
  source: OnePassSource,
  input: ExtractMeteringInput,
  checkpoint: ExtractHeartbeat,
): Promise<void> {
  const from = addDays(checkpoint.completedThrough, 1);
  if (from > input.to) return;
  const ranges = dayRanges(from, input.to, MERGE_RANGES).map((r) => ({
    ...r,
    endMs: dayToMs(addDays(r.to, 1)),
    rowsRead: 0,
    rowsUpserted: 0,
    warehouses: new Set<string>(),
    merged: false,
  }));
  const stage = await openStage();
  try {
    for await (const batch of source.readOnePass(from, input.to, COPY_BATCH_ROWS)) {
      for (const row of batch) {
        const range = ranges.find((r) => row.startTime.getTime() < r.endMs) ?? ranges[ranges.length - 1];
        range.rowsRead++;
        range.warehouses.add(`${row.account}.${row.warehouseName}`);
      }
      await stage.write(batch);
      ctx.heartbeat(checkpoint);
    }
    await stage.seal();
    const base = { ...checkpoint, warehouses: new Set(checkpoint.warehouses) };
    const mergeRange = async (range: (typeof ranges)[number]) => {
      range.rowsUpserted = await stage.merge(dayToMs(range.from), range.endMs, source.spec);
      await refreshDaily(db, range.from, range.to);
      await markDaysIngested(db, source.spec, range.from, range.to);
      range.merged = true;
      // The resume point: the ranges merged without a gap from the first, with their counts.
      const through = ranges.findIndex((r) => !r.merged);
      const done = ranges.slice(0, through === -1 ? ranges.length : through);
      if (done.length === 0) return;
      Object.assign(checkpoint, {
        completedThrough: done[done.length - 1].to,
        rowsRead: base.rowsRead + sum(done.map((r) => r.rowsRead)),
        rowsUpserted: base.rowsUpserted + sum(done.map((r) => r.rowsUpserted)),
        warehouses: [...new Set([...base.warehouses, ...done.flatMap((r) => [...r.warehouses])])],
      });
      ctx.heartbeat(checkpoint);
    };
    const merges = new BoundedWrites(MERGES_AT_ONCE);
    try {
      for (const range of ranges) await merges.add(() => mergeRange(range));
      await merges.drain();
    } finally {
      await merges.settle();
    }
  } finally {
    await stage.discard();
  }
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** from … to cut into at most `count` contiguous ranges of whole days, as even as days allow. */
export function dayRanges(from: string, to: string, count: number): { from: string; to: string }[] {
  const days = daysBetween(from, to) + 1;
  const n = Math.max(1, Math.min(count, days));
  const ranges: { from: string; to: string }[] = [];
  let start = from;
  for (let i = 0; i < n; i++) {
    const length = Math.floor(days / n) + (i < days % n ? 1 : 0);
    ranges.push({ from: start, to: addDays(start, length - 1) });
    start = addDays(start, length);
  }
  return ranges;
}
