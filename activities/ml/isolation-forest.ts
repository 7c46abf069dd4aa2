/**
 * Isolation Forest models as reproducible artifacts. Each tree is grown by ml-isolation-forest with its random
 * source seeded, on a sub-sample of at most `sampleSize` rows drawn without replacement (Liu, Ting & Zhou 2008:
 * ψ = 256 isolates as well as the full set and keeps trees shallow), so the same data and seed give a
 * byte-identical artifact. The trees are written as a compact JSON artifact (split column/value, leaf sizes) and
 * scoring reads the artifact alone, with the library's own formula normalised by c(ψ) — a test checks that,
 * without sub-sampling, the scores agree to the last bit with the library's own `predict`.
 */
import { createHash } from 'node:crypto';
import { IsolationForest } from 'ml-isolation-forest';
import { mulberry32 } from '../sources/prng';

export const ALGORITHM = 'isolation-forest/ml-isolation-forest@0.1.0+subsample';
export const ARTIFACT_FORMAT = 'snowpatrol-iforest/1';

export interface ForestParams {
  nEstimators: number;
  seed: number;
  /** Rows per tree (ψ); longer histories are sub-sampled. Default 256, as in the paper. */
  sampleSize?: number;
  /** Who grows the trees: our index-partitioning copy (default) or the library itself (the cross-check). */
  grower?: 'fast' | 'library';
}

export const DEFAULT_SAMPLE_SIZE = 256;

/** A leaf is its training-point count; an inner node is [splitColumn, splitValue, left, right]. */
export type TreeNode = number | [number, number, TreeNode, TreeNode];

export interface ForestArtifact {
  format: typeof ARTIFACT_FORMAT;
  /** Rows each tree was grown on (ψ); scores are normalised by c(ψ). */
  nTrain: number;
  nEstimators: number;
  trees: TreeNode[];
}

interface LibraryNode {
  left?: LibraryNode;
  right?: LibraryNode;
  splitColumn?: number;
  splitValue?: number;
  trainingSet?: unknown[];
}

/** Train a seeded forest on `rows` (each row a feature vector). */
export function trainForest(rows: number[][], params: ForestParams): ForestArtifact {
  if (rows.length < 2) throw new RangeError(`need at least 2 training rows, got ${rows.length}`);
  if (!Number.isInteger(params.nEstimators) || params.nEstimators < 1) {
    throw new RangeError(`nEstimators must be a positive integer, got ${params.nEstimators}`);
  }
  const sampleSize = params.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  if (!Number.isInteger(sampleSize) || sampleSize < 2) {
    throw new RangeError(`sampleSize must be an integer of at least 2, got ${sampleSize}`);
  }
  const psi = Math.min(sampleSize, rows.length);
  const random = mulberry32(params.seed);
  const grow = params.grower === 'library' ? growLibraryTree : growTree;
  const trees: TreeNode[] = [];
  for (let i = 0; i < params.nEstimators; i++) {
    // When no sub-sampling is needed, the draws are exactly those of the library's own forest training.
    trees.push(grow(psi < rows.length ? sampleWithoutReplacement(rows, psi, random) : rows, random));
  }
  return { format: ARTIFACT_FORMAT, nTrain: psi, nEstimators: params.nEstimators, trees };
}

/** One tree grown by ml-isolation-forest itself, its Math.random replaced by `random` for the duration. */
export function growLibraryTree(sample: number[][], random: () => number): TreeNode {
  const unseeded = Math.random;
  Math.random = random;
  try {
    const tree = new IsolationForest({ nEstimators: 1 });
    tree.train(sample);
    return toArtifactNode((tree as unknown as { forest: LibraryNode[] }).forest[0]);
  } finally {
    Math.random = unseeded;
  }
}

/**
 * The same tree as `growLibraryTree` — same random draws in the same order (split column, then split value,
 * depth first, left before right), same depth limit ⌈log₂ n⌉ + 1, same strict `<` split — but partitioning
 * row indices in place instead of copying arrays at every node, which makes training several times faster
 * (bench/forest.ts). Tests check the two give identical trees.
 */
export function growTree(sample: readonly (readonly number[])[], random: () => number): TreeNode {
  const n = sample.length;
  const nFeatures = sample[0].length;
  const maxDepth = Math.ceil(Math.log2(n));
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const grow = (lo: number, hi: number, depth: number): TreeNode => {
    const size = hi - lo;
    if (depth > maxDepth || size <= 1) return size;
    const column = Math.floor(random() * nFeatures);
    let min = Infinity;
    let max = -Infinity;
    for (let i = lo; i < hi; i++) {
      const v = sample[idx[i]][column];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const split = random() * (max - min) + min;
    let mid = lo;
    for (let i = lo; i < hi; i++) {
      if (sample[idx[i]][column] < split) {
        const t = idx[mid];
        idx[mid] = idx[i];
        idx[i] = t;
        mid++;
      }
    }
    const left = grow(lo, mid, depth + 1);
    return [column, split, left, grow(mid, hi, depth + 1)];
  };
  return grow(0, n, 0);
}

/** `k` distinct rows, in draw order (a partial Fisher–Yates shuffle of the indices). */
function sampleWithoutReplacement<T>(rows: readonly T[], k: number, random: () => number): T[] {
  const idx = rows.map((_, i) => i);
  const out: T[] = [];
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (idx.length - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
    out.push(rows[idx[i]]);
  }
  return out;
}

function toArtifactNode(node: LibraryNode): TreeNode {
  if (node.left === undefined || node.right === undefined) return node.trainingSet?.length ?? 0;
  return [node.splitColumn as number, node.splitValue as number, toArtifactNode(node.left), toArtifactNode(node.right)];
}

/** Average path length of an unsuccessful search in a binary tree of n points (the library's c(n)). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * Math.log(n - 1) + 0.57721 - (2 * (n - 1)) / n;
}

/** A forest flattened into typed arrays for scoring: node i is a leaf when column[i] < 0. */
interface CompiledForest {
  roots: Int32Array;
  column: Int32Array;
  value: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** For a leaf: c(points in the leaf), the expected further path length. */
  leafDepth: Float64Array;
}

const compiled = new WeakMap<ForestArtifact, CompiledForest>();

function countNodes(node: TreeNode): number {
  return typeof node === 'number' ? 1 : 1 + countNodes(node[2]) + countNodes(node[3]);
}

function compile(artifact: ForestArtifact): CompiledForest {
  const cached = compiled.get(artifact);
  if (cached) return cached;
  const size = artifact.trees.reduce<number>((n, tree) => n + countNodes(tree), 0);
  const forest: CompiledForest = {
    roots: new Int32Array(artifact.trees.length),
    column: new Int32Array(size).fill(-1),
    value: new Float64Array(size),
    left: new Int32Array(size),
    right: new Int32Array(size),
    leafDepth: new Float64Array(size),
  };
  let next = 0;
  const add = (node: TreeNode): number => {
    const i = next++;
    if (typeof node === 'number') {
      forest.leafDepth[i] = averagePathLength(node);
    } else {
      forest.column[i] = node[0];
      forest.value[i] = node[1];
      forest.left[i] = add(node[2]);
      forest.right[i] = add(node[3]);
    }
    return i;
  };
  artifact.trees.forEach((tree, t) => (forest.roots[t] = add(tree)));
  compiled.set(artifact, forest);
  return forest;
}

/** Anomaly scores in (0, 1]; higher is more anomalous (≈0.5 is ordinary). */
export function scoreForest(artifact: ForestArtifact, rows: readonly (readonly number[])[]): number[] {
  const c = averagePathLength(artifact.nTrain);
  const f = compile(artifact);
  return rows.map((row) => {
    let total = 0;
    for (let t = 0; t < f.roots.length; t++) {
      let node = f.roots[t];
      let depth = 0;
      while (f.column[node] >= 0) {
        node = row[f.column[node]] < f.value[node] ? f.left[node] : f.right[node];
        depth++;
      }
      total += depth + f.leafDepth[node];
    }
    return 2 ** (-(total / artifact.nEstimators) / c);
  });
}

/** The artifact's canonical bytes (what is stored and hashed). */
export function serializeArtifact(artifact: ForestArtifact): string {
  return JSON.stringify(artifact);
}

/** Parse stored artifact text, checking its format. */
export function parseArtifact(text: string): ForestArtifact {
  const artifact = JSON.parse(text) as ForestArtifact;
  if (artifact.format !== ARTIFACT_FORMAT)
    throw new Error(`unsupported model artifact format ${String(artifact.format)}`);
  return artifact;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
