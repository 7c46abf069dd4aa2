import { DEFAULT_FILTERS, judgeDay, scoreThreshold } from '../../activities/ml/detect';
import type { AlertFilters, VerdictInput } from '../../activities/ml/detect';

/** Filters that let every statistically unusual day through, so a test can tighten exactly one of them. */
const PERMISSIVE: AlertFilters = { minExcessCredits: 0, minExcessCost: 0, minExcessRatio: 0, directions: 'both' };

type DayOverrides = Omit<Partial<VerdictInput>, 'filters'> & { filters?: Partial<AlertFilters> };

/**
 * A day whose model expects 8 credits (trend 10, seasonal −2), scored 0.7 against a 0.6 threshold, i.e. unusual
 * enough to alert if the filters let it. `filters` overrides only the filters named.
 */
function day(overrides: DayOverrides = {}): VerdictInput {
  const { filters, ...rest } = overrides;
  return {
    score: 0.7,
    threshold: 0.6,
    credits: 8,
    trend: 10,
    seasonal: -2,
    ...rest,
    filters: { ...PERMISSIVE, ...filters },
  };
}

describe('scoreThreshold', () => {
  // 2,4,4,4,5,5,7,9: mean 5, population σ 2 (the sample σ would be ≈ 2.14)
  const scores = [2, 4, 4, 4, 5, 5, 7, 9];

  it('is mean + k·σ with the population standard deviation', () => {
    expect(scoreThreshold(scores)).toBeCloseTo(11, 12);
    expect(scoreThreshold(scores, 2)).toBeCloseTo(9, 12);
    expect(scoreThreshold(scores, 0)).toBeCloseTo(5, 12);
  });

  it('is the score itself when every training score is the same', () => {
    expect(scoreThreshold([0.5, 0.5, 0.5])).toBe(0.5);
  });

  it('refuses an empty training set', () => {
    expect(() => scoreThreshold([])).toThrow(RangeError);
  });
});

describe('judgeDay', () => {
  it('expects trend + seasonal and reports the excess in credits and money', () => {
    const v = judgeDay(day({ credits: 20, pricePerCredit: 3 }));
    expect(v).toEqual({
      isAnomaly: true,
      actual: 20,
      expected: 8,
      excessCredits: 12,
      excessCost: 36,
      direction: 'spike',
      severity: 'high',
    });
    expect(v).not.toHaveProperty('suppressedBy'); // absent, not undefined, when the day alerts
  });

  it('reports no cost when the price of a credit is unknown', () => {
    expect(judgeDay(day({ credits: 20 })).excessCost).toBeNull();
  });

  it('calls spend below expected a drop, with a negative excess and cost', () => {
    const v = judgeDay(day({ credits: 2, pricePerCredit: 3 }));
    expect(v.direction).toBe('drop');
    expect(v.excessCredits).toBe(-6);
    expect(v.excessCost).toBe(-18);
    expect(v.severity).toBe('medium'); // 6 / 8 = 0.75
    expect(v.isAnomaly).toBe(true);
  });

  it('calls spend exactly as expected a spike (of nothing)', () => {
    const v = judgeDay(day({ credits: 8 }));
    expect(v.direction).toBe('spike');
    expect(v.excessCredits).toBe(0);
    expect(v.severity).toBe('low');
  });

  it('grades severity by excess relative to expected: ≥ 1 high, ≥ 0.5 medium, else low', () => {
    expect(judgeDay(day({ credits: 16 })).severity).toBe('high'); // ratio exactly 1
    expect(judgeDay(day({ credits: 15.9 })).severity).toBe('medium');
    expect(judgeDay(day({ credits: 12 })).severity).toBe('medium'); // ratio exactly 0.5
    expect(judgeDay(day({ credits: 11.9 })).severity).toBe('low');
    expect(judgeDay(day({ credits: 4 })).severity).toBe('medium'); // −4 / 8
    expect(judgeDay(day({ credits: 0 })).severity).toBe('high'); // nothing ran where 8 were expected
    // severity describes the day even when it does not alert
    expect(judgeDay(day({ credits: 20, score: 0.1 })).severity).toBe('high');
  });

  it('never expects negative spend', () => {
    const v = judgeDay(day({ credits: 3, trend: 1, seasonal: -4 }));
    expect(v.expected).toBe(0);
    expect(v.excessCredits).toBe(3);
    expect(v.direction).toBe('spike');
  });

  it('treats any spend where none was expected as high severity that passes every ratio', () => {
    const v = judgeDay(day({ credits: 3, trend: 0, seasonal: 0, filters: { minExcessRatio: 1000 } }));
    expect(v.expected).toBe(0);
    expect(v.severity).toBe('high');
    expect(v.isAnomaly).toBe(true);
  });

  it('does not alert on a day with no spend where none was expected', () => {
    const v = judgeDay(day({ credits: 0, trend: 0, seasonal: 0, filters: { minExcessRatio: 0.25 } }));
    expect(v).toMatchObject({ expected: 0, excessCredits: 0, severity: 'low', isAnomaly: false });
    expect(v.suppressedBy).toBe('ratio');
  });

  describe('the score', () => {
    it('must be strictly above the threshold', () => {
      expect(judgeDay(day({ credits: 20, score: 0.6 }))).toMatchObject({ isAnomaly: false, suppressedBy: 'score' });
      expect(judgeDay(day({ credits: 20, score: 0.5 }))).toMatchObject({ isAnomaly: false, suppressedBy: 'score' });
      expect(judgeDay(day({ credits: 20, score: 0.6000001 })).isAnomaly).toBe(true);
    });

    it('is the reason given for an ordinary day, whatever the filters would say', () => {
      const v = judgeDay(day({ credits: 8.1, score: 0.5, filters: { minExcessCredits: 5, directions: 'drops' } }));
      expect(v.suppressedBy).toBe('score');
    });
  });

  describe('the credits filter', () => {
    it('ignores excesses below the minimum, in either direction; the minimum itself alerts', () => {
      const filters = { minExcessCredits: 5 };
      expect(judgeDay(day({ credits: 12, filters }))).toMatchObject({ isAnomaly: false, suppressedBy: 'credits' }); // +4
      expect(judgeDay(day({ credits: 13, filters })).isAnomaly).toBe(true); // +5
      expect(judgeDay(day({ credits: 4, filters }))).toMatchObject({ isAnomaly: false, suppressedBy: 'credits' }); // −4
      expect(judgeDay(day({ credits: 3, filters })).isAnomaly).toBe(true); // −5
    });
  });

  describe('the cost filter', () => {
    // at 2.5 per credit, 10 of money is 4 credits
    const filters = { minExcessCost: 10 };

    it('ignores excesses worth less than the minimum, in either direction; the minimum itself alerts', () => {
      expect(judgeDay(day({ credits: 11.9, pricePerCredit: 2.5, filters }))).toMatchObject({
        isAnomaly: false,
        suppressedBy: 'cost',
      });
      expect(judgeDay(day({ credits: 12, pricePerCredit: 2.5, filters }))).toMatchObject({
        isAnomaly: true,
        excessCost: 10,
      });
      expect(judgeDay(day({ credits: 4.1, pricePerCredit: 2.5, filters }))).toMatchObject({
        isAnomaly: false,
        suppressedBy: 'cost',
      });
      expect(judgeDay(day({ credits: 4, pricePerCredit: 2.5, filters }))).toMatchObject({
        isAnomaly: true,
        excessCost: -10,
      });
    });

    it('is skipped when the price is unknown', () => {
      const v = judgeDay(day({ credits: 9, filters: { minExcessCost: 1_000_000 } }));
      expect(v.excessCost).toBeNull();
      expect(v.isAnomaly).toBe(true);
    });

    it('makes the same excess alert at a high price and not at a low one', () => {
      expect(judgeDay(day({ credits: 12, pricePerCredit: 4, filters: { minExcessCost: 15 } })).isAnomaly).toBe(true);
      expect(judgeDay(day({ credits: 12, pricePerCredit: 3, filters: { minExcessCost: 15 } })).isAnomaly).toBe(false);
    });
  });

  describe('the ratio filter', () => {
    const filters = { minExcessRatio: 0.25 }; // 2 credits on the 8 expected

    it('ignores excesses small relative to expected, in either direction; the minimum itself alerts', () => {
      expect(judgeDay(day({ credits: 9.9, filters }))).toMatchObject({ isAnomaly: false, suppressedBy: 'ratio' });
      expect(judgeDay(day({ credits: 10, filters })).isAnomaly).toBe(true);
      expect(judgeDay(day({ credits: 6.1, filters }))).toMatchObject({ isAnomaly: false, suppressedBy: 'ratio' });
      expect(judgeDay(day({ credits: 6, filters })).isAnomaly).toBe(true);
    });

    it('lets the same 5-credit excess alert on a small warehouse and not on a big one', () => {
      expect(judgeDay(day({ credits: 25, trend: 20, seasonal: 0, filters })).isAnomaly).toBe(true); // 25 %
      expect(judgeDay(day({ credits: 105, trend: 100, seasonal: 0, filters })).isAnomaly).toBe(false); // 5 %
    });
  });

  describe('the direction filter', () => {
    const spike = { credits: 20 };
    const drop = { credits: 1 };

    it('with spikes, alerts on spend above expected only', () => {
      const filters = { directions: 'spikes' as const };
      expect(judgeDay(day({ ...spike, filters })).isAnomaly).toBe(true);
      expect(judgeDay(day({ ...drop, filters }))).toMatchObject({ isAnomaly: false, suppressedBy: 'direction' });
    });

    it('with drops, alerts on spend below expected only', () => {
      const filters = { directions: 'drops' as const };
      expect(judgeDay(day({ ...spike, filters }))).toMatchObject({ isAnomaly: false, suppressedBy: 'direction' });
      expect(judgeDay(day({ ...drop, filters })).isAnomaly).toBe(true);
    });

    it('with both, alerts either way', () => {
      const filters = { directions: 'both' as const };
      expect(judgeDay(day({ ...spike, filters })).isAnomaly).toBe(true);
      expect(judgeDay(day({ ...drop, filters })).isAnomaly).toBe(true);
    });

    it('counts a day exactly on expected as a spike, so drops-only never alerts on it', () => {
      const v = judgeDay(day({ credits: 8, filters: { directions: 'drops' } }));
      expect(v).toMatchObject({ direction: 'spike', isAnomaly: false, suppressedBy: 'direction' });
    });
  });

  describe('DEFAULT_FILTERS', () => {
    const defaults = (overrides: Omit<DayOverrides, 'filters'>) =>
      judgeDay({ ...day(overrides), filters: DEFAULT_FILTERS });

    it('alerts on spikes of at least 2 credits and 50 % only', () => {
      expect(DEFAULT_FILTERS).toEqual({
        minExcessCredits: 2,
        minExcessCost: 0,
        minExcessRatio: 0.5,
        directions: 'spikes',
      });
      expect(defaults({ credits: 6, trend: 4, seasonal: 0 }).isAnomaly).toBe(true); // +2 on 4: both minimums exactly
      expect(defaults({ credits: 4.9, trend: 3, seasonal: 0 }).suppressedBy).toBe('credits'); // +1.9 = 63 %
      expect(defaults({ credits: 149, trend: 100, seasonal: 0 }).suppressedBy).toBe('ratio'); // +49 = 49 %
      expect(defaults({ credits: 1 }).suppressedBy).toBe('direction'); // −7: a big drop is not alerted
    });
  });
});
