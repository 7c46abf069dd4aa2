/** The pipeline's own bookkeeping: which days ran, which ran partial, and what the next run catches up on. */
import type { Db } from './store/database';
import { markFinished, markRescored, markRunning, planCatchUp, type CatchUp } from './store/pipeline-day-store';

export interface BeginPipelineDayInput {
  asOf: string;
  workflowId: string;
  /** How far back missed and partial days are caught up (0: not at all). */
  catchUpDays: number;
}

export interface FinishPipelineDayInput {
  asOf: string;
  status: 'complete' | 'partial';
  missing: string[];
  /** The first day this run scored: partial days from there on were re-scored. */
  scoredFrom: string;
  /** Whether the readiness check found this run's data complete (every earlier day is then complete too). */
  dataComplete: boolean;
}

export function createPipelineDayActivities(deps: { db: Db }) {
  return {
    /** Mark the day running and plan the catch-up (days no run covered, days that ran partial). */
    async beginPipelineDay(input: BeginPipelineDayInput): Promise<CatchUp> {
      const plan = await planCatchUp(deps.db, input.asOf, input.catchUpDays);
      await markRunning(deps.db, input.asOf, input.workflowId);
      return plan;
    },

    /**
     * Record how the day ended. When this run had complete data, the partial days it re-scored are complete
     * now (data up to the as-of day covers every earlier day). Returns those days.
     */
    async finishPipelineDay(input: FinishPipelineDayInput): Promise<{ rescored: string[] }> {
      await markFinished(deps.db, input.asOf, input.status, input.missing);
      if (!input.dataComplete || input.scoredFrom >= input.asOf) return { rescored: [] };
      return { rescored: await markRescored(deps.db, input.scoredFrom, input.asOf) };
    },
  };
}
