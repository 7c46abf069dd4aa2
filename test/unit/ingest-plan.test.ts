import { planWindow } from '../../activities/ingest-activities';

// Loading up to 2026-11-20, keeping 120 days of history and re-loading the trailing 3 days.
const TO = '2026-11-20';
const HISTORY = 120;
const RELOAD = 3;

describe('planWindow', () => {
  it('loads the whole history on a first run: from to − historyDays + 1', () => {
    expect(planWindow(undefined, TO, HISTORY, RELOAD)).toBe('2026-07-24'); // 120 days, both ends included
  });

  it('re-loads only the trailing reloadDays when already caught up', () => {
    expect(planWindow(TO, TO, HISTORY, RELOAD)).toBe('2026-11-18');
    expect(planWindow('2026-11-19', TO, HISTORY, RELOAD)).toBe('2026-11-18');
  });

  it('resumes the day after the last loaded day when behind', () => {
    expect(planWindow('2026-11-10', TO, HISTORY, RELOAD)).toBe('2026-11-11');
  });

  it('never goes back further than the history limit', () => {
    expect(planWindow('2025-06-01', TO, HISTORY, RELOAD)).toBe('2026-07-24');
    expect(planWindow(TO, TO, 2, RELOAD)).toBe('2026-11-19');
  });

  it('plans an empty window (from after to) when caught up with reloadDays 0', () => {
    expect(planWindow(TO, TO, HISTORY, 0)).toBe('2026-11-21');
  });
});
