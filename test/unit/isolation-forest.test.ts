import { IsolationForest } from 'ml-isolation-forest';
import {
  ARTIFACT_FORMAT,
  parseArtifact,
  scoreForest,
  serializeArtifact,
  sha256,
  trainForest,
} from '../../activities/ml/isolation-forest';
import { mulberry32 } from '../../activities/sources/prng';
import { normalDraws } from '../fixtures/series';

/** `n` ordinary warehouse-days as [residual, weekday-ish] feature rows, drawn from N(0, 1). */
function inlierRows(n: number, seed: number): number[][] {
  const draw = normalDraws(seed);
  return Array.from({ length: n }, () => [draw(), draw()]);
}

/** The training rows: 120 ordinary days and, last, one day with a residual of 50. */
function rowsWithOutlier(): number[][] {
  return [...inlierRows(120, 5), [50, 0]];
}

/** The library's own forest, trained exactly as trainForest trains it (Math.random seeded with mulberry32). */
function libraryForest(rows: number[][], nEstimators: number, seed: number): IsolationForest {
  const forest = new IsolationForest({ nEstimators });
  const unseeded = Math.random;
  Math.random = mulberry32(seed);
  try {
    forest.train(rows);
  } finally {
    Math.random = unseeded;
  }
  return forest;
}

describe('trainForest', () => {
  it('gives a byte-identical artifact (and hash) for the same rows and seed', () => {
    const first = serializeArtifact(trainForest(rowsWithOutlier(), { nEstimators: 50, seed: 123 }));
    const second = serializeArtifact(trainForest(rowsWithOutlier(), { nEstimators: 50, seed: 123 }));
    expect(second).toBe(first);
    expect(sha256(second)).toBe(sha256(first));
    expect(sha256(first)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives a different artifact for a different seed', () => {
    const a = serializeArtifact(trainForest(rowsWithOutlier(), { nEstimators: 50, seed: 123 }));
    const b = serializeArtifact(trainForest(rowsWithOutlier(), { nEstimators: 50, seed: 124 }));
    expect(b).not.toBe(a);
    expect(sha256(b)).not.toBe(sha256(a));
  });

  it('records what it was trained on', () => {
    const artifact = trainForest(rowsWithOutlier(), { nEstimators: 25, seed: 1 });
    expect(artifact.format).toBe(ARTIFACT_FORMAT);
    expect(artifact.nTrain).toBe(121);
    expect(artifact.nEstimators).toBe(25);
    expect(artifact.trees).toHaveLength(25);
  });

  it('leaves Math.random unseeded afterwards', () => {
    const before = Math.random;
    trainForest(rowsWithOutlier(), { nEstimators: 5, seed: 9 });
    expect(Math.random).toBe(before);
  });

  it('refuses fewer than 2 rows', () => {
    expect(() => trainForest([[1, 2]], { nEstimators: 10, seed: 1 })).toThrow(RangeError);
    expect(() => trainForest([], { nEstimators: 10, seed: 1 })).toThrow(/at least 2/);
  });
});

describe('scoreForest', () => {
  it('agrees to the last bit with the library’s own predictions', () => {
    const rows = rowsWithOutlier();
    const probes = [...rows, ...inlierRows(30, 77), [-40, 3], [0, 0]];
    const artifact = trainForest(rows, { nEstimators: 60, seed: 2026 });
    const expected = libraryForest(rows, 60, 2026).predict(probes);
    const actual = scoreForest(artifact, probes);
    expect(actual).toHaveLength(probes.length);
    actual.forEach((score, i) => expect(score).toBe(expected[i]));
  });

  it('scores the same after the artifact is stored and parsed back', () => {
    const rows = rowsWithOutlier();
    const artifact = trainForest(rows, { nEstimators: 40, seed: 3 });
    const restored = parseArtifact(serializeArtifact(artifact));
    expect(restored).toEqual(artifact);
    expect(scoreForest(restored, rows)).toEqual(scoreForest(artifact, rows));
  });

  it('scores an obvious outlier above every ordinary day', () => {
    const rows = rowsWithOutlier();
    const scores = scoreForest(trainForest(rows, { nEstimators: 100, seed: 42 }), rows);
    const outlier = scores[scores.length - 1];
    const inliers = scores.slice(0, -1);
    expect(outlier).toBeGreaterThan(Math.max(...inliers));
    expect(outlier).toBeGreaterThan(0.6);
    for (const s of scores) {
      expect(s).toBeGreaterThan(0);
      expect(s).toBeLessThanOrEqual(1);
    }
  });
});

describe('parseArtifact', () => {
  it('rejects an artifact of another format', () => {
    const text = serializeArtifact(trainForest(rowsWithOutlier(), { nEstimators: 5, seed: 1 }));
    const foreign = text.replace(ARTIFACT_FORMAT, 'someone-else/2');
    expect(foreign).not.toBe(text);
    expect(() => parseArtifact(foreign)).toThrow(/unsupported model artifact format someone-else\/2/);
    expect(() => parseArtifact('{"trees":[]}')).toThrow(/unsupported model artifact format/);
  });
});
