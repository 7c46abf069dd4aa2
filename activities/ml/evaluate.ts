/**
 * Detection quality against labelled anomalies. Day-level precision: the share of flagged warehouse-days that
 * are labelled anomalous. Event recall: an event is a run of consecutive labelled days of one warehouse; it is
 * caught if any of its days, or the day after it, is flagged (a cost owner hears about it in time).
 */
import { addDays } from '../../schemas/dates';

export interface DayRef {
  warehouse: string;
  day: string;
}

export interface Quality {
  flagged: number;
  truePositives: number;
  precision: number | null;
  events: number;
  eventsCaught: number;
  eventRecall: number | null;
}

const key = (d: DayRef) => `${d.warehouse}|${d.day}`;

/** Group labelled days into events: consecutive days of the same warehouse (a day labelled twice counts once). */
export function labelEvents(labels: readonly DayRef[]): DayRef[][] {
  const unique = [...new Map(labels.map((l) => [key(l), l])).values()];
  const sorted = unique.sort((a, b) => a.warehouse.localeCompare(b.warehouse) || a.day.localeCompare(b.day));
  const events: DayRef[][] = [];
  for (const label of sorted) {
    const last = events.at(-1);
    const prev = last?.at(-1);
    if (last && prev && prev.warehouse === label.warehouse && addDays(prev.day, 1) === label.day) last.push(label);
    else events.push([label]);
  }
  return events;
}

/** Precision and event recall of `flags` against `labels` (both restricted by the caller to one range). */
export function evaluateFlags(flags: readonly DayRef[], labels: readonly DayRef[]): Quality {
  const labelled = new Set(labels.map(key));
  const flagged = new Set(flags.map(key));
  const truePositives = [...flagged].filter((k) => labelled.has(k)).length;
  const events = labelEvents(labels);
  const eventsCaught = events.filter((event) => {
    const after = { warehouse: event[0].warehouse, day: addDays(event[event.length - 1].day, 1) };
    return [...event, after].some((d) => flagged.has(key(d)));
  }).length;
  return {
    flagged: flagged.size,
    truePositives,
    precision: flagged.size === 0 ? null : truePositives / flagged.size,
    events: events.length,
    eventsCaught,
    eventRecall: events.length === 0 ? null : eventsCaught / events.length,
  };
}
