/** Opening a metering source on behalf of the running activity: its queries are tagged with the activity. */
import { Context } from '@temporalio/activity';
import { temporalQueryTag } from './attribution/temporal-query-tag';
import type { MeteringSource } from './sources';

export type OpenSource = (
  spec: string,
  context?: { queryTag: string; warn?: (message: string) => void },
) => MeteringSource;

/**
 * `spec` opened for the current activity: Snowflake statements carry QUERY_TAG with the workflow type, workflow
 * id, run id and activity, and the source's warnings go to the activity log.
 */
export function openActivitySource(open: OpenSource, spec: string): MeteringSource {
  const ctx = Context.current();
  return open(spec, {
    queryTag: temporalQueryTag({ app: 'snowpatrol' }, ctx.info),
    warn: (message) => ctx.log.warn(message),
  });
}
