/**
 * Remembers which (warehouse, START_TIME) pairs an export has listed, to catch a repeated row in a file of tens of
 * millions of rows without tens of millions of map entries: starts on the hour (all of Snowflake's metering) are
 * bits in blocks of 4,096 hours (512 bytes, about 5.6 months) per warehouse — under 3 KB per warehouse-year-pair
 * — and only a start off the hour is kept as a number.
 */
const HOUR_MS = 3_600_000;
const BLOCK_HOURS = 4096;

class HourBitmap {
  private readonly blocks = new Map<number, Uint8Array>();

  /** Mark `hour`; false when it was marked already. */
  add(hour: number): boolean {
    const blockNo = Math.floor(hour / BLOCK_HOURS);
    const bit = hour - blockNo * BLOCK_HOURS;
    let block = this.blocks.get(blockNo);
    if (!block) this.blocks.set(blockNo, (block = new Uint8Array(BLOCK_HOURS / 8)));
    const mask = 1 << (bit & 7);
    if (block[bit >> 3] & mask) return false;
    block[bit >> 3] |= mask;
    return true;
  }
}

interface WarehouseStarts {
  hours: HourBitmap;
  offHour: Set<number> | undefined;
}

export class RepeatedStarts {
  private readonly byWarehouse = new Map<string, WarehouseStarts>();

  /** Record a row's start; true when this warehouse already had a row starting then. */
  repeats(warehouse: string, startMs: number): boolean {
    let starts = this.byWarehouse.get(warehouse);
    if (!starts) this.byWarehouse.set(warehouse, (starts = { hours: new HourBitmap(), offHour: undefined }));
    if (startMs % HOUR_MS === 0) return !starts.hours.add(startMs / HOUR_MS);
    starts.offHour ??= new Set();
    if (starts.offHour.has(startMs)) return true;
    starts.offHour.add(startMs);
    return false;
  }
}
