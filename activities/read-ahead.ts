/**
 * Overlaps reading and writing for sources queried per day: while one day is being written, the next days'
 * rows are already being fetched (`READ_AHEAD` queries in flight; Snowflake answers them concurrently). At most
 * that many days are held ahead, so memory is bounded by a few days, whatever the history length.
 * Sources read in one pass (a CSV file) are streamed straight through instead.
 */
import { addDays, minDay } from '../schemas/dates';
import type { HourlyMeteringRow, MeteringSource } from './sources';

export interface Chunk {
  from: string;
  to: string;
  batches: AsyncIterable<HourlyMeteringRow[]> | HourlyMeteringRow[][];
}

/** Largest chunk (in days) that is read ahead whole; bigger chunks are streamed. */
const READ_AHEAD_MAX_DAYS = 7;
/** Chunks fetched ahead of the one being written. */
export const READ_AHEAD = 2;

function chunksOf(source: MeteringSource, from: string, to: string): { from: string; to: string }[] {
  const size = Math.max(1, Math.min(source.chunkDays, 3660));
  const chunks: { from: string; to: string }[] = [];
  for (let day = from; day <= to; day = addDays(day, size))
    chunks.push({ from: day, to: minDay(to, addDays(day, size - 1)) });
  return chunks;
}

/** The chunks of from … to in order, each with its rows. */
export async function* readChunks(
  source: MeteringSource,
  from: string,
  to: string,
  batchSize: number,
): AsyncGenerator<Chunk> {
  const chunks = chunksOf(source, from, to);
  if (source.chunkDays > READ_AHEAD_MAX_DAYS) {
    for (const c of chunks) yield { ...c, batches: source.read(c.from, c.to, batchSize) };
    return;
  }
  const fetch = async (c: { from: string; to: string }): Promise<Chunk> => {
    const batches: HourlyMeteringRow[][] = [];
    for await (const batch of source.read(c.from, c.to, batchSize)) batches.push(batch);
    return { ...c, batches };
  };
  const start = (i: number) => {
    if (i >= chunks.length) return undefined;
    const pending = fetch(chunks[i]);
    pending.catch(() => undefined); // surfaced when awaited below; never an unhandled rejection
    return pending;
  };
  const ahead: (Promise<Chunk> | undefined)[] = [];
  for (let i = 0; i < READ_AHEAD; i++) ahead.push(start(i));
  for (let i = 0; i < chunks.length; i++) {
    const current = await (ahead.shift() as Promise<Chunk>);
    ahead.push(start(i + READ_AHEAD));
    yield current;
  }
}
