/** Faults queued per Web API method and consumed in order by the next calls of that method. */
import type { SlackFakeFaults } from './types';

export type Fault =
  | { kind: 'rateLimit'; retryAfterSeconds: number }
  | { kind: 'fail'; error: string }
  | { kind: 'dropAfterHandling' }
  | { kind: 'hangAfterHandling' };

export class FaultQueue implements SlackFakeFaults {
  private readonly queued = new Map<string, Fault[]>();

  rateLimitNext(method: string, retryAfterSeconds: number, times = 1): void {
    this.add(method, { kind: 'rateLimit', retryAfterSeconds }, times);
  }

  failNext(method: string, error: string, times = 1): void {
    this.add(method, { kind: 'fail', error }, times);
  }

  dropAfterHandlingNext(method: string, times = 1): void {
    this.add(method, { kind: 'dropAfterHandling' }, times);
  }

  hangAfterHandlingNext(method: string, times = 1): void {
    this.add(method, { kind: 'hangAfterHandling' }, times);
  }

  reset(): void {
    this.queued.clear();
  }

  /** The fault for this call of `method`, removed from the queue, if one is queued. */
  take(method: string): Fault | undefined {
    return this.queued.get(method)?.shift();
  }

  private add(method: string, fault: Fault, times: number): void {
    const queue = this.queued.get(method) ?? [];
    for (let i = 0; i < times; i += 1) queue.push(fault);
    this.queued.set(method, queue);
  }
}
