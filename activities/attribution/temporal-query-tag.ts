/**
 * QUERY_TAG for Snowflake statements run by a Temporal activity, so their cost can be reported per workflow type,
 * workflow and activity (`parseQueryTag` reads it back). Any TypeScript worker can use it, inside an activity:
 *
 *   connection.execute({ sqlText, binds, parameters: { QUERY_TAG: temporalQueryTag({ app: 'billing' }) } });
 *
 * snowpatrol tags its own statements with it (see activities/activity-source.ts).
 */
import { Context, type Info } from '@temporalio/activity';

/** The current activity's tag: `extra` fields first, then workflowType, workflowId, runId and activity. */
export function temporalQueryTag(extra: Readonly<Record<string, string>> = {}, info?: Info): string {
  const { workflowType, workflowExecution, activityType } = info ?? Context.current().info;
  return JSON.stringify({
    ...extra,
    workflowType,
    workflowId: workflowExecution?.workflowId,
    runId: workflowExecution?.runId,
    activity: activityType,
  });
}
