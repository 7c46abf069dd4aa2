/**
 * A deliberately nondeterministic `scoreAnomalies` for the replay guard's test: it waits on a timer before doing
 * what the real workflow does, without `patched()`. Runs recorded with the real code have no timer at that point,
 * so replaying them against this module must fail.
 */
import { sleep } from '@temporalio/workflow';
import type { ScoreInput } from '../../schemas/inputs';
import type { ScoreResult } from '../../schemas/results';
import { scoreAnomalies as current } from '../../workflows/score-anomalies';

export async function scoreAnomalies(raw?: ScoreInput): Promise<ScoreResult> {
  await sleep('1 minute'); // a new command before the first recorded one: a timer where the history has none
  return current(raw);
}
