import type { VerdictInput } from '../../activities/ml/detect';
import { judgeDay, scoreThreshold } from '../../activities/ml/detect';

/** A day whose model expects 8 credits (trend 10, seasonal −2), scored above a 0.6 threshold. */
function day(overrides: Partial<VerdictInput>): VerdictInput {
  return { score: 0.7, threshold: 0.6, credits: 8, trend: 10, seasonal: -2, minExcessCredits: 1, ...overrides };
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
  it('expects trend + seasonal and reports the excess', () => {
    const v = judgeDay(day({ credits: 20 }));
    expect(v).toEqual({
      isAnomaly: true,
      actual: 20,
      expected: 8,
      excessCredits: 12,
      direction: 'high',
      severity: 'high',
    });
  });

  it('never expects negative spend', () => {
    const v = judgeDay(day({ credits: 3, trend: 1, seasonal: -4 }));
    expect(v.expected).toBe(0);
    expect(v.excessCredits).toBe(3);
    expect(v.severity).toBe('high'); // any spend where none was expected
  });

  it('calls spend below expected a low-direction anomaly', () => {
    const v = judgeDay(day({ credits: 2 }));
    expect(v.direction).toBe('low');
    expect(v.excessCredits).toBe(-6);
    expect(v.severity).toBe('medium'); // 6 / 8 = 0.75
    expect(v.isAnomaly).toBe(true);
  });

  it('grades severity by excess relative to expected: ≥ 1 high, ≥ 0.5 medium, else low', () => {
    expect(judgeDay(day({ credits: 16 })).severity).toBe('high'); // ratio exactly 1
    expect(judgeDay(day({ credits: 15.9 })).severity).toBe('medium');
    expect(judgeDay(day({ credits: 12 })).severity).toBe('medium'); // ratio exactly 0.5
    expect(judgeDay(day({ credits: 11.9 })).severity).toBe('low');
    expect(judgeDay(day({ credits: 4 })).severity).toBe('medium'); // −4 / 8
  });

  it('needs the score strictly above the threshold', () => {
    expect(judgeDay(day({ credits: 20, score: 0.6 })).isAnomaly).toBe(false);
    expect(judgeDay(day({ credits: 20, score: 0.5 })).isAnomaly).toBe(false);
    expect(judgeDay(day({ credits: 20, score: 0.6000001 })).isAnomaly).toBe(true);
  });

  it('ignores excesses too small to act on, in either direction', () => {
    expect(judgeDay(day({ credits: 12, minExcessCredits: 5 })).isAnomaly).toBe(false); // +4
    expect(judgeDay(day({ credits: 13, minExcessCredits: 5 })).isAnomaly).toBe(true); // +5
    expect(judgeDay(day({ credits: 4, minExcessCredits: 5 })).isAnomaly).toBe(false); // −4
    expect(judgeDay(day({ credits: 3, minExcessCredits: 5 })).isAnomaly).toBe(true); // −5
  });
});
