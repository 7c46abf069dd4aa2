import {
  apportion,
  CREDITS_PER_HOUR,
  splitByExecutionTime,
  splitByReportedCredits,
  type HourSplit,
} from '../../activities/attribution/hour-split';

const HOUR = Date.parse('2026-11-20T07:00:00Z');
const MIN = 60_000;
const nano = (credits: number) => Math.round(credits * 1e9);
/** Attributed + idle in nano-credits: must equal metering exactly. */
const totalNano = (s: HourSplit) => s.queries.reduce((a, q) => a + nano(q.credits), 0) + nano(s.idleCredits);

describe('apportion', () => {
  it('splits an integer by weight and always sums to it exactly', () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(7, [0, 2, 5])).toEqual([0, 2, 5]);
    expect(apportion(5, [0, 0])).toEqual([0, 0]);
    for (let seed = 1; seed < 200; seed++) {
      const weights = Array.from({ length: (seed % 13) + 1 }, (_, i) => ((seed * 7919 + i * 104729) % 1000) / 7);
      const total = (seed * 2654435761) % 9_000_000_000;
      expect(apportion(total, weights).reduce((a, b) => a + b, 0)).toBe(total);
    }
  });
});

describe('splitByReportedCredits (QUERY_ATTRIBUTION_HISTORY)', () => {
  it('keeps the reported credits and makes the rest of metering idle, to the nano-credit', () => {
    const split = splitByReportedCredits(3.000000001, [
      { queryId: 'q1', credits: 1.25 },
      { queryId: 'q2', credits: 0.333333333 },
    ]);
    expect(split.queries).toEqual([
      { queryId: 'q1', credits: 1.25 },
      { queryId: 'q2', credits: 0.333333333 },
    ]);
    expect(split.idleCredits).toBe(1.416666668);
    expect(totalNano(split)).toBe(nano(3.000000001));
  });

  it('scales reported credits down to metering when they add up to more; idle is then zero', () => {
    const split = splitByReportedCredits(2, [
      { queryId: 'q1', credits: 3 },
      { queryId: 'q2', credits: 1 },
    ]);
    expect(split.queries.map((q) => q.credits)).toEqual([1.5, 0.5]);
    expect(split.idleCredits).toBe(0);
  });

  it('an hour without queries is all idle', () => {
    expect(splitByReportedCredits(0.75, [])).toEqual({ queries: [], idleCredits: 0.75 });
  });
});

describe('splitByExecutionTime (QUERY_HISTORY fallback)', () => {
  it('charges execution inside the hour only, and the uptime no query used is idle', () => {
    // An X-SMALL up for the whole hour (1 credit); queries executing 15 + 15 minutes, never together.
    const split = splitByExecutionTime(
      1,
      HOUR,
      [
        { queryId: 'a', startMs: HOUR, endMs: HOUR + 15 * MIN },
        { queryId: 'b', startMs: HOUR + 30 * MIN, endMs: HOUR + 45 * MIN },
      ],
      CREDITS_PER_HOUR['X-SMALL'],
    );
    expect(split.queries.map((q) => q.credits)).toEqual([0.25, 0.25]);
    expect(split.idleCredits).toBe(0.5);
  });

  it('uses the uptime the credits imply: a MEDIUM metered 1 credit was up 15 minutes', () => {
    const split = splitByExecutionTime(1, HOUR, [{ queryId: 'a', startMs: HOUR, endMs: HOUR + 15 * MIN }], 4);
    expect(split.idleCredits).toBe(0);
    expect(split.queries[0].credits).toBe(1);
  });

  it('overlapping queries share the busy time by execution; the part outside the hour is not charged', () => {
    const split = splitByExecutionTime(2, HOUR, [
      { queryId: 'long', startMs: HOUR - 30 * MIN, endMs: HOUR + 30 * MIN }, // 30 min inside
      { queryId: 'short', startMs: HOUR + 20 * MIN, endMs: HOUR + 30 * MIN }, // 10 min, overlapping
      { queryId: 'before', startMs: HOUR - 20 * MIN, endMs: HOUR - 10 * MIN }, // not in this hour
    ]);
    // Busy 30 of 60 minutes (unknown size: up the whole hour): half of 2 credits to the queries, 3 : 1.
    expect(split.queries.map((q) => q.credits)).toEqual([0.75, 0.25, 0]);
    expect(split.idleCredits).toBe(1);
  });

  it('always reconciles with metering exactly, whatever the numbers', () => {
    for (let seed = 1; seed < 300; seed++) {
      const metered = ((seed * 48271) % 512_000_000_001) / 1e9;
      const queries = Array.from({ length: seed % 9 }, (_, i) => {
        const start = HOUR + (((seed + i) * 7907) % 80) * MIN - 10 * MIN;
        return { queryId: `q${i}`, startMs: start, endMs: start + (((seed * i) % 37) + 1) * 1000 * 7 };
      });
      const sizes = [undefined, 1, 2, 8, 512];
      const split = splitByExecutionTime(metered, HOUR, queries, sizes[seed % sizes.length]);
      expect(totalNano(split)).toBe(nano(metered));
      expect(split.idleCredits).toBeGreaterThanOrEqual(0);
      for (const q of split.queries) expect(q.credits).toBeGreaterThanOrEqual(0);
    }
  });
});
