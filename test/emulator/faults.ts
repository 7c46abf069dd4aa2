/**
 * Injected faults for query-requests. Every query-request that arrives (a driver retry is a new arrival) takes
 * the next pending delay and, before authentication, a pending HTTP failure; so `failNext(2)` fails the next two
 * arrivals. Only a request that then authenticates takes the pending session expiry, else a pending drop: a
 * request refused for its (already expired) token consumes neither, so every injected fault is applied exactly
 * once however the driver interleaves its retries and renewals.
 */
import type { EmulatorFaults } from './types';

/** What to do to one query-request on arrival. */
export interface ArrivalPlan {
  delayMs: number;
  /** Answer with this HTTP status and an HTML body instead of executing. */
  failStatus?: number;
}

/**
 * What to do to an authenticated query-request: `expire` answers 390112 (session token expired) and marks the
 * session expired until it is renewed; `drop` executes, sends the headers and part of the body, then destroys the
 * socket.
 */
export type SessionFault = 'expire' | 'drop' | 'none';

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

  /** The plan for the query-request that just arrived (consumes the delay and HTTP failure it uses). */
  onArrival(): ArrivalPlan {
    return { delayMs: this.delays.shift() ?? 0, failStatus: this.fails.shift() };
  }

  /** The fault for a query-request that passed authentication (consumes it). */
  onAuthenticated(): SessionFault {
    if (this.expire) {
      this.expire = false;
      return 'expire';
    }
    if (this.drops > 0) {
      this.drops--;
      return 'drop';
    }
    return 'none';
  }
}
