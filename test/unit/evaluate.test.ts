import { evaluateFlags, labelEvents, type DayRef } from '../../activities/ml/evaluate';
import { addDays } from '../../schemas/dates';

const MONDAY = '2026-03-02';

/** Warehouse-day `offset` days after MONDAY. */
function on(warehouse: string, offset: number): DayRef {
  return { warehouse, day: addDays(MONDAY, offset) };
}

/** Consecutive days `first` … `last` (offsets from MONDAY) of one warehouse. */
function run(warehouse: string, first: number, last: number): DayRef[] {
  return Array.from({ length: last - first + 1 }, (_, i) => on(warehouse, first + i));
}

describe('labelEvents', () => {
  it('joins consecutive labelled days of a warehouse into one event, whatever order they come in', () => {
    const events = labelEvents([on('ETL', 2), on('ETL', 0), on('ETL', 1)]);
    expect(events).toEqual([run('ETL', 0, 2)]);
  });

  it('splits a warehouse’s labels at a gap of a day', () => {
    const events = labelEvents([...run('ETL', 0, 1), ...run('ETL', 3, 4)]);
    expect(events).toEqual([run('ETL', 0, 1), run('ETL', 3, 4)]);
  });

  it('never joins days of different warehouses, even when they follow each other', () => {
    const events = labelEvents([on('BI', 0), on('ETL', 1), on('BI', 2), on('ETL', 0)]);
    expect(events).toEqual([[on('BI', 0)], [on('BI', 2)], run('ETL', 0, 1)]);
  });

  it('counts a day labelled twice once, without splitting its event', () => {
    const events = labelEvents([on('ETL', 0), on('ETL', 0), on('ETL', 1)]);
    expect(events).toEqual([run('ETL', 0, 1)]);
  });

  it('joins across the end of a month', () => {
    const events = labelEvents([
      { warehouse: 'ETL', day: '2026-02-28' },
      { warehouse: 'ETL', day: '2026-03-01' },
    ]);
    expect(events).toHaveLength(1);
  });

  it('finds no events without labels', () => {
    expect(labelEvents([])).toEqual([]);
  });
});

describe('evaluateFlags', () => {
  // One three-day runaway on ETL (days 10–12) and a one-day spike on BI (day 10).
  const labels = [...run('ETL', 10, 12), on('BI', 10)];

  it('catches an event flagged on any of its days', () => {
    for (const offset of [10, 11, 12]) {
      const q = evaluateFlags([on('ETL', offset)], labels);
      expect(q).toMatchObject({ events: 2, eventsCaught: 1, eventRecall: 0.5 });
    }
  });

  it('catches an event flagged the day after it ended (the owner hears in time), not two days after', () => {
    expect(evaluateFlags([on('ETL', 13)], labels).eventsCaught).toBe(1);
    expect(evaluateFlags([on('ETL', 14)], labels).eventsCaught).toBe(0);
    expect(evaluateFlags([on('BI', 11)], labels).eventsCaught).toBe(1);
    expect(evaluateFlags([on('BI', 12)], labels).eventsCaught).toBe(0);
  });

  it('does not catch an event by flagging the day before it, or the same day of another warehouse', () => {
    expect(evaluateFlags([on('ETL', 9)], labels).eventsCaught).toBe(0);
    expect(evaluateFlags([on('DS', 10), on('DS', 11)], labels).eventsCaught).toBe(0);
  });

  it('counts a day after an event as a false positive for precision, though it catches the event', () => {
    const q = evaluateFlags([on('ETL', 13)], labels);
    expect(q).toMatchObject({ flagged: 1, truePositives: 0, precision: 0, eventsCaught: 1 });
  });

  it('measures precision per flagged warehouse-day and recall per event', () => {
    // All three ETL days flagged (one event), plus two false alarms; the BI spike missed.
    const q = evaluateFlags([...run('ETL', 10, 12), on('ETL', 20), on('BI', 3)], labels);
    expect(q).toEqual({ flagged: 5, truePositives: 3, precision: 0.6, events: 2, eventsCaught: 1, eventRecall: 0.5 });
  });

  it('counts a warehouse-day flagged twice once', () => {
    const q = evaluateFlags([on('BI', 10), on('BI', 10), on('ETL', 20), on('ETL', 20)], labels);
    expect(q).toMatchObject({ flagged: 2, truePositives: 1, precision: 0.5 });
  });

  it('has no precision when nothing was flagged', () => {
    const q = evaluateFlags([], labels);
    expect(q).toEqual({ flagged: 0, truePositives: 0, precision: null, events: 2, eventsCaught: 0, eventRecall: 0 });
  });

  it('has no recall when nothing was labelled', () => {
    const q = evaluateFlags([on('ETL', 1)], []);
    expect(q).toEqual({ flagged: 1, truePositives: 0, precision: 0, events: 0, eventsCaught: 0, eventRecall: null });
  });
});
