/**
 * Heartbeats on a timer while long work runs, with the latest progress details, so a slow Snowflake query or a
 * big batch never looks like a dead worker, and a dead worker is noticed within the heartbeat timeout.
 */
import type { Context } from '@temporalio/activity';

export const HEARTBEAT_EVERY_MS = 10_000;

export async function withHeartbeat<T>(ctx: Context, details: () => unknown, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => ctx.heartbeat(details()), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
