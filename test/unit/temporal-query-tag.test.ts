import { MockActivityEnvironment } from '@temporalio/testing';
import { parseQueryTag } from '../../activities/attribution/query-tag';
import { temporalQueryTag } from '../../activities/attribution/temporal-query-tag';

const env = new MockActivityEnvironment({
  workflowType: 'billingExport',
  workflowExecution: { workflowId: 'billing-2026-11-20', runId: 'run-1' },
  activityType: 'exportInvoices',
});

test('inside an activity, the tag names its workflow type, workflow, run and activity', async () => {
  const tag: string = await env.run(async () => temporalQueryTag({ app: 'billing' }));
  expect(JSON.parse(tag)).toEqual({
    app: 'billing',
    workflowType: 'billingExport',
    workflowId: 'billing-2026-11-20',
    runId: 'run-1',
    activity: 'exportInvoices',
  });
  expect(parseQueryTag(tag).temporal).toEqual({
    workflowType: 'billingExport',
    workflowId: 'billing-2026-11-20',
    activity: 'exportInvoices',
  });
});

test('snowpatrol’s own statements carry the same tag as before: app first, as JSON', async () => {
  const tag: string = await env.run(async () => temporalQueryTag({ app: 'snowpatrol' }));
  expect(tag).toBe(
    '{"app":"snowpatrol","workflowType":"billingExport","workflowId":"billing-2026-11-20","runId":"run-1",' +
      '"activity":"exportInvoices"}',
  );
});

test('outside an activity it needs the info passed in', () => {
  expect(() => temporalQueryTag()).toThrow();
});
