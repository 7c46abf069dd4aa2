/** Reading Web API method arguments, which arrive as form strings or JSON values. */
import { SlackApiError, type SlackState } from './state';
import type { FakeMessage } from './types';

export type Args = Record<string, unknown>;

/** What a method handler sees besides its arguments. */
export interface HandlerContext {
  state: SlackState;
  /** 'http://127.0.0.1:PORT', for URLs the fake hands out. */
  origin: string;
}

/** A Web API method: returns the success body (without `ok`) or throws SlackApiError. */
export type Handler = (args: Args, context: HandlerContext) => Record<string, unknown>;

export function optionalString(args: Args, name: string): string | undefined {
  const value = args[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw new SlackApiError('invalid_arguments');
  return value;
}

export function requiredString(args: Args, name: string): string {
  const value = optionalString(args, name);
  if (value === undefined) throw new SlackApiError('invalid_arguments');
  return value;
}

/** Form values are strings, so 'true' and '1' count as true. */
export function flag(args: Args, name: string): boolean {
  const value = args[name];
  return value === true || value === 'true' || value === '1' || value === 1;
}

/** A positive integer argument; `fallback` when absent, zero or unparseable, capped at `max`. */
export function limit(args: Args, name: string, fallback: number, max: number): number {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value <= 0) return fallback;
  return Math.min(value, max);
}

export function blocksArg(args: Args): unknown[] | undefined {
  const value = args.blocks;
  if (value === undefined || value === null || value === '') return undefined;
  if (!Array.isArray(value)) throw new SlackApiError('invalid_blocks');
  return value;
}

export function metadataArg(args: Args): FakeMessage['metadata'] | undefined {
  const value = args.metadata;
  if (value === undefined || value === null || value === '') return undefined;
  const candidate = value as { event_type?: unknown; event_payload?: unknown };
  if (
    typeof candidate !== 'object' ||
    typeof candidate.event_type !== 'string' ||
    typeof candidate.event_payload !== 'object' ||
    candidate.event_payload === null
  ) {
    throw new SlackApiError('invalid_metadata_format');
  }
  return { event_type: candidate.event_type, event_payload: candidate.event_payload as Record<string, unknown> };
}
