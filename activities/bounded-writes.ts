/**
 * Keeps up to `limit` writes in flight, so the next batch is read and encoded while Postgres applies the last
 * ones (on another connection of the pool, another core). The first failure is thrown by the next `add` or by
 * `drain`; `settle` waits for whatever is still running, so nothing outlives the activity attempt.
 */
export class BoundedWrites {
  private readonly pending = new Set<Promise<void>>();
  private failed = false;
  private failure: unknown;

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }

  /** Start `write` once fewer than `limit` writes are running. */
  async add(write: () => Promise<void>): Promise<void> {
    this.throwIfFailed();
    while (this.pending.size >= this.limit) {
      await Promise.race(this.pending);
      this.throwIfFailed();
    }
    const running: Promise<void> = write()
      .catch((err: unknown) => {
        if (!this.failed) [this.failed, this.failure] = [true, err];
      })
      .finally(() => this.pending.delete(running));
    this.pending.add(running);
  }

  /** Wait for every write; throw the first failure. */
  async drain(): Promise<void> {
    await this.settle();
    this.throwIfFailed();
  }

  /** Wait for every write, whatever happened. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  private throwIfFailed(): void {
    if (this.failed) throw this.failure;
  }
}
