import { IsolationForest } from 'ml-isolation-forest';
import {
  ARTIFACT_FORMAT,
  parseArtifact,
  scoreForest,
  serializeArtifact,
  sha256,
  trainForest,
  type TreeNode,
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

/** `n` ordinary days as the detector sees them: one feature, the residual, drawn from N(0, 1). */
function residualRows(n: number, seed: number): number[][] {
  const draw = normalDraws(seed);
  return Array.from({ length: n }, () => [draw()]);
}

/** Edges from the root to the deepest leaf. */
function treeDepth(node: TreeNode): number {
  return typeof node === 'number' ? 0 : 1 + Math.max(treeDepth(node[2]), treeDepth(node[3]));
}

/** Training rows that ended up in the tree's leaves. */
function leafRows(node: TreeNode): number {
  return typeof node === 'number' ? node : leafRows(node[2]) + leafRows(node[3]);
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

describe('sub-sampling (ψ rows per tree)', () => {
  // Four years of history: longer than the 256 rows a tree is grown on.
  const history = inlierRows(1000, 11);

  it('grows every tree on 256 of 1000 rows by default, and records ψ as nTrain', () => {
    const artifact = trainForest(history, { nEstimators: 50, seed: 1 });
    expect(artifact.nTrain).toBe(256);
    expect(artifact.trees).toHaveLength(50);
    for (const tree of artifact.trees) expect(leafRows(tree)).toBe(256);
  });

  it('keeps trees shallow: no deeper than ceil(log2 256) + 1, where the full 1000 rows grow deeper', () => {
    const limit = Math.ceil(Math.log2(256)) + 1;
    const sampled = trainForest(history, { nEstimators: 100, seed: 1, sampleSize: 256 });
    const full = trainForest(history, { nEstimators: 100, seed: 1, sampleSize: 1000 });
    expect(Math.max(...sampled.trees.map(treeDepth))).toBeLessThanOrEqual(limit);
    expect(Math.max(...full.trees.map(treeDepth))).toBeGreaterThan(limit);
    expect(full.nTrain).toBe(1000);
  });

  it('draws the same sub-samples for the same seed: byte-identical artifact and hash', () => {
    const first = serializeArtifact(trainForest(history, { nEstimators: 30, seed: 7, sampleSize: 256 }));
    const second = serializeArtifact(trainForest(inlierRows(1000, 11), { nEstimators: 30, seed: 7, sampleSize: 256 }));
    expect(second).toBe(first);
    expect(sha256(second)).toBe(sha256(first));
  });

  it('draws different sub-samples for a different seed', () => {
    const a = serializeArtifact(trainForest(history, { nEstimators: 30, seed: 7 }));
    const b = serializeArtifact(trainForest(history, { nEstimators: 30, seed: 8 }));
    expect(b).not.toBe(a);
    expect(sha256(b)).not.toBe(sha256(a));
  });

  it('scores bit-for-bit the same after serialize → parse', () => {
    const artifact = trainForest(history, { nEstimators: 40, seed: 5 });
    const restored = parseArtifact(serializeArtifact(artifact));
    const probes = [...history, [0, 0], [30, -30]];
    const before = scoreForest(artifact, probes);
    const after = scoreForest(restored, probes);
    after.forEach((score, i) => expect(Object.is(score, before[i])).toBe(true));
  });

  it('matches the library’s own predictions when the history is exactly ψ rows (nothing to sub-sample)', () => {
    const rows = inlierRows(256, 21);
    const probes = [...rows, [12, -3], [0, 0]];
    const artifact = trainForest(rows, { nEstimators: 30, seed: 99, sampleSize: 256 });
    expect(artifact.nTrain).toBe(256);
    const expected = libraryForest(rows, 30, 99).predict(probes);
    scoreForest(artifact, probes).forEach((score, i) => expect(score).toBe(expected[i]));
  });

  it('still scores an obvious runaway day above every ordinary day', () => {
    // 999 ordinary residuals and, last, one of 50: the runaway is in only about a quarter of the sub-samples.
    const rows = [...residualRows(999, 3), [50]];
    const scores = scoreForest(trainForest(rows, { nEstimators: 100, seed: 42 }), rows);
    const runaway = scores[scores.length - 1];
    expect(runaway).toBeGreaterThan(Math.max(...scores.slice(0, -1)));
    expect(runaway).toBeGreaterThan(0.7);
  });

  it('refuses a sample size that is not an integer of at least 2', () => {
    expect(() => trainForest(history, { nEstimators: 10, seed: 1, sampleSize: 1 })).toThrow(RangeError);
    expect(() => trainForest(history, { nEstimators: 10, seed: 1, sampleSize: 2.5 })).toThrow(RangeError);
    expect(() => trainForest(history, { nEstimators: 10, seed: 1, sampleSize: 2.5 })).toThrow(/sampleSize/);
  });
});
