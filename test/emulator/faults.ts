/**
 * Injected faults for query-requests. Every query-request that arrives (a driver retry is a new arrival) takes
 * the next pending delay, then at most one of: a pending HTTP failure, else the pending session expiry, else a
 * pending drop. So `failNext(2)` fails the next two arrivals.
 */
import type { EmulatorFaults } from './types';

/** What to do to one query-request. */
export interface FaultPlan {
  delayMs: number;
  /** Answer with this HTTP status and an HTML body instead of executing. */
  failStatus?: number;
  /** Execute, send the headers and part of the body, then destroy the socket. */
  drop: boolean;
  /** Answer 390112 (session token expired) and mark the session expired until it is renewed. */
  expireSession: boolean;
}

export class FaultQueue implements EmulatorFaults {
  private fails: number[] = [];
  private drops = 0;
  private delays: number[] = [];
  private expire = false;

  failNext(n: number, status = 503): void {
    for (let i = 0; i < n; i++) this.fails.push(status);
  }

  dropNext(n: number): void {
    this.drops += n;
  }

  delayNext(n: number, ms: number): void {
    for (let i = 0; i < n; i++) this.delays.push(ms);
  }

  expireSessionNext(): void {
    this.expire = true;
  }

  reset(): void {
    this.fails = [];
    this.drops = 0;
    this.delays = [];
    this.expire = false;
  }

  /** The plan for the query-request that just arrived (consumes the faults it uses). */
  take(): FaultPlan {
    const plan: FaultPlan = {
      delayMs: this.delays.shift() ?? 0,
      failStatus: this.fails.shift(),
      drop: false,
      expireSession: false,
    };
    if (plan.failStatus !== undefined) return plan;
    if (this.expire) {
      this.expire = false;
      plan.expireSession = true;
      return plan;
    }
    if (this.drops > 0) {
      this.drops--;
      plan.drop = true;
    }
    return plan;
  }
}
