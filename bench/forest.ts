/**
 * `npm run bench:forest`: ml-isolation-forest's own tree growth vs snowpatrol's index-partitioning copy of it
 * (the same trees, draw for draw), and scoring throughput, on residual-like data of typical training sizes.
 */
import { scoreForest, trainForest } from '../activities/ml/isolation-forest';
import { gaussian, mulberry32 } from '../activities/sources/prng';

const SIZES = [90, 256, 730];
const REPEATS = 30;

function rows(n: number, seed: number): number[][] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => [gaussian(rand) * 3]);
}

function time(fn: () => void): number {
  fn(); // warm-up
  const start = performance.now();
  for (let i = 0; i < REPEATS; i++) fn();
  return (performance.now() - start) / REPEATS;
}

const lines: string[] = [];
for (const n of SIZES) {
  const data = rows(n, n);
  const library = time(() => trainForest(data, { nEstimators: 100, seed: 1, grower: 'library' }));
  const fast = time(() => trainForest(data, { nEstimators: 100, seed: 1 }));
  const artifact = trainForest(data, { nEstimators: 100, seed: 1 });
  const scoring = time(() => scoreForest(artifact, data));
  const same =
    JSON.stringify(artifact) === JSON.stringify(trainForest(data, { nEstimators: 100, seed: 1, grower: 'library' }));
  lines.push(
    `${String(n).padStart(5)} rows  library ${library.toFixed(2).padStart(7)} ms  snowpatrol ${fast
      .toFixed(2)
      .padStart(7)} ms  ×${(library / fast).toFixed(1)}  identical ${same}  score ${Math.round(
      (n / scoring) * 1000,
    ).toLocaleString('en-US')} rows/s`,
  );
}
process.stdout.write(`100-tree forests, ψ = 256, mean of ${REPEATS} runs:\n${lines.join('\n')}\n`);
