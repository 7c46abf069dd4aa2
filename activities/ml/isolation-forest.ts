/**
 * Isolation Forest models as reproducible artifacts. Training uses ml-isolation-forest with its random source
 * seeded, so the same data and seed give a byte-identical artifact; the trained trees are then written as a
 * compact JSON artifact (split column/value, leaf sizes), and scoring reads the artifact alone, with the
 * library's own formula — a test checks the two agree to the last bit.
 */
import { createHash } from 'node:crypto';
import { IsolationForest } from 'ml-isolation-forest';
import { mulberry32 } from '../sources/prng';

export const ALGORITHM = 'isolation-forest/ml-isolation-forest@0.1.0';
export const ARTIFACT_FORMAT = 'snowpatrol-iforest/1';

export interface ForestParams {
  nEstimators: number;
  seed: number;
}

/** A leaf is its training-point count; an inner node is [splitColumn, splitValue, left, right]. */
export type TreeNode = number | [number, number, TreeNode, TreeNode];

export interface ForestArtifact {
  format: typeof ARTIFACT_FORMAT;
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
  const forest = new IsolationForest({ nEstimators: params.nEstimators });
  const unseeded = Math.random;
  Math.random = mulberry32(params.seed);
  try {
    forest.train(rows);
  } finally {
    Math.random = unseeded;
  }
  const trees = (forest as unknown as { forest: LibraryNode[] }).forest.map(toArtifactNode);
  return { format: ARTIFACT_FORMAT, nTrain: rows.length, nEstimators: params.nEstimators, trees };
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

function pathLength(node: TreeNode, row: readonly number[], depth: number): number {
  let current = node;
  let d = depth;
  while (typeof current !== 'number') {
    current = row[current[0]] < current[1] ? current[2] : current[3];
    d++;
  }
  return d + averagePathLength(current);
}

/** Anomaly scores in (0, 1]; higher is more anomalous (≈0.5 is ordinary). */
export function scoreForest(artifact: ForestArtifact, rows: readonly (readonly number[])[]): number[] {
  const c = averagePathLength(artifact.nTrain);
  return rows.map((row) => {
    let total = 0;
    for (const tree of artifact.trees) total += pathLength(tree, row, 0);
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
