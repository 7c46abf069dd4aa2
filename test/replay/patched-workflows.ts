/**
 * The change of nondeterministic-workflows.ts made the right way: the new timer is guarded by `patched()`, so runs
 * recorded before the change replay down the old path, and new runs take the new one.
 */
import { patched, sleep } from '@temporalio/workflow';
import type { ScoreInput } from '../../schemas/inputs';
import type { ScoreResult } from '../../schemas/results';
import { scoreAnomalies as current } from '../../workflows/score-anomalies';

export async function scoreAnomalies(raw?: ScoreInput): Promise<ScoreResult> {
  if (patched('score-cool-down')) await sleep('1 minute');
  return current(raw);
}
