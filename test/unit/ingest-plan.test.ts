import { missingRanges, planWindow } from '../../activities/ingest-plan';
import { eachDay } from '../../schemas/dates';

// Loading up to 2026-11-20, keeping 120 days of history and re-loading the trailing 3 days.
const TO = '2026-11-20';
const HISTORY = 120;
const RELOAD = 3;

/** The set of days already loaded, from … to. */
const loaded = (...ranges: [string, string][]) => new Set(ranges.flatMap(([from, to]) => eachDay(from, to)));

describe('planWindow', () => {
  it('loads the whole history on a first run: from to − historyDays + 1', () => {
    expect(planWindow(new Set(), TO, HISTORY, RELOAD)).toBe('2026-07-24'); // 120 days, both ends included
  });

  it('re-loads only the trailing reloadDays when already caught up', () => {
    expect(planWindow(loaded(['2026-07-24', TO]), TO, HISTORY, RELOAD)).toBe('2026-11-18');
    expect(planWindow(loaded(['2026-07-24', '2026-11-19']), TO, HISTORY, RELOAD)).toBe('2026-11-18');
  });

  it('resumes at the first day not yet loaded when behind', () => {
    expect(planWindow(loaded(['2026-07-24', '2026-11-10']), TO, HISTORY, RELOAD)).toBe('2026-11-11');
  });

  it('fills a hole in the middle of the history', () => {
    expect(planWindow(loaded(['2026-07-24', '2026-09-30'], ['2026-10-05', TO]), TO, HISTORY, RELOAD)).toBe(
      '2026-10-01',
    );
  });

  it('backfills an earlier as-of day whose history was never loaded, though later days were', () => {
    // Days after 2026-06-30 are loaded, but a run for 2026-06-30 needs its own 120 days before.
    expect(planWindow(loaded(['2026-05-25', TO]), '2026-06-30', HISTORY, RELOAD)).toBe('2026-03-03');
  });

  it('never goes back further than the history limit', () => {
    expect(planWindow(loaded(['2025-06-01', TO]), TO, 2, RELOAD)).toBe('2026-11-19');
  });

  it('plans an empty window (from after to) when caught up with reloadDays 0', () => {
    expect(planWindow(loaded(['2026-07-24', TO]), TO, HISTORY, 0)).toBe('2026-11-21');
  });
});

describe('missingRanges', () => {
  it('lists each run of missing days once, with its length', () => {
    expect(
      missingRanges(loaded(['2026-11-03', '2026-11-05'], ['2026-11-08', '2026-11-08']), '2026-11-01', '2026-11-10'),
    ).toEqual([
      { from: '2026-11-01', to: '2026-11-02', days: 2 },
      { from: '2026-11-06', to: '2026-11-07', days: 2 },
      { from: '2026-11-09', to: '2026-11-10', days: 2 },
    ]);
  });

  it('is empty when every day is loaded', () => {
    expect(missingRanges(loaded(['2026-11-01', '2026-11-10']), '2026-11-01', '2026-11-10')).toEqual([]);
  });
});
