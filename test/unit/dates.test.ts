import { addDays, daysBetween, eachDay, isIsoDate, weekday } from '../../schemas/dates';

describe('isIsoDate', () => {
  it('accepts real calendar dates, including a leap day', () => {
    expect(isIsoDate('2026-11-20')).toBe(true);
    expect(isIsoDate('2024-02-29')).toBe(true);
  });

  it('rejects dates that do not exist', () => {
    expect(isIsoDate('2026-02-30')).toBe(false);
    expect(isIsoDate('2025-02-29')).toBe(false);
    expect(isIsoDate('2026-13-01')).toBe(false);
  });

  it('rejects other spellings of a date', () => {
    expect(isIsoDate('2026-1-1')).toBe(false);
    expect(isIsoDate('2026-11-20T00:00:00Z')).toBe(false);
    expect(isIsoDate('20261120')).toBe(false);
    expect(isIsoDate('')).toBe(false);
  });
});

describe('addDays', () => {
  it('crosses month and year ends', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2027-01-01', -1)).toBe('2026-12-31');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
  });

  it('is the identity for 0 and handles long jumps', () => {
    expect(addDays('2026-11-20', 0)).toBe('2026-11-20');
    expect(addDays('2026-11-20', 365)).toBe('2027-11-20');
  });
});

describe('daysBetween', () => {
  it('counts whole days, negative when going back', () => {
    expect(daysBetween('2026-11-20', '2026-11-20')).toBe(0);
    expect(daysBetween('2026-12-30', '2027-01-02')).toBe(3);
    expect(daysBetween('2027-01-02', '2026-12-30')).toBe(-3);
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
  });
});

describe('eachDay', () => {
  it('lists every day with both ends included', () => {
    expect(eachDay('2026-12-30', '2027-01-02')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
    expect(eachDay('2026-11-20', '2026-11-20')).toEqual(['2026-11-20']);
  });

  it('is empty when the range is reversed', () => {
    expect(eachDay('2026-11-21', '2026-11-20')).toEqual([]);
  });
});

describe('weekday', () => {
  it('numbers days Monday = 0 to Sunday = 6', () => {
    expect(weekday('2026-11-16')).toBe(0); // a Monday
    expect(weekday('2026-11-20')).toBe(4); // Friday
    expect(weekday('2026-11-22')).toBe(6); // Sunday
    expect(weekday('2026-11-23')).toBe(0); // the next Monday
  });
});
