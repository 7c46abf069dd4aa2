import {
  dimensionValues,
  MAX_DIMENSION_LENGTH,
  parseQueryTag,
  workloadLabel,
} from '../../activities/attribution/query-tag';
import type { Info } from '@temporalio/activity';
import { temporalQueryTag } from '../../activities/attribution/temporal-query-tag';

describe('parseQueryTag', () => {
  it('reads the SnowPatrol Airflow plugin’s JSON tag as dag, task and run', () => {
    const tag = JSON.stringify({
      dag_id: 'daily_sales',
      task_id: 'load_orders',
      run_id: 'scheduled__2026-11-20T00:00:00+00:00',
      logical_date: '2026-11-20T00:00:00+00:00',
      started: '2026-11-21T00:05:12+00:00',
      operator: 'SnowflakeOperator',
    });
    const parsed = parseQueryTag(tag);
    expect(parsed.format).toBe('json');
    expect(parsed.airflow).toEqual({
      dagId: 'daily_sales',
      taskId: 'load_orders',
      runId: 'scheduled__2026-11-20T00:00:00+00:00',
    });
    expect(parsed.fields.operator).toBe('SnowflakeOperator');
    expect(parsed.dbt).toBeUndefined();
    expect(parsed.temporal).toBeUndefined();
  });

  it('reads Airflow tags written as key=value, with any of the usual separators', () => {
    for (const tag of [
      'dag_id=daily_sales;task_id=load_orders',
      'dag_id=daily_sales, task_id=load_orders',
      'dag_id:daily_sales task_id:load_orders',
      'dag_id=daily_sales&task_id=load%5Forders',
    ]) {
      const parsed = parseQueryTag(tag);
      expect(parsed.format).toBe('key-value');
      expect(parsed.airflow).toEqual({ dagId: 'daily_sales', taskId: 'load_orders' });
    }
  });

  it('reads a dbt tag: the model from node_id or node_name, and the project', () => {
    const macro = parseQueryTag(
      JSON.stringify({ app: 'dbt', node_id: 'model.shop.orders', invocation_id: 'a1b2', materialized: 'incremental' }),
    );
    expect(macro.dbt).toEqual({ model: 'orders', project: 'shop', invocationId: 'a1b2' });
    const named = parseQueryTag(JSON.stringify({ app: 'DBT', node_name: 'customers', project_name: 'crm' }));
    expect(named.dbt).toEqual({ model: 'customers', project: 'crm' });
    expect(parseQueryTag(JSON.stringify({ app: 'looker', model: 'orders' })).dbt).toBeUndefined();
  });

  it('reads snowpatrol’s own tag as a Temporal workflow and activity', () => {
    const parsed = parseQueryTag(
      temporalQueryTag({ app: 'snowpatrol' }, {
        workflowType: 'ingestMetering',
        workflowExecution: { workflowId: 'snowpatrol-ingest-2026-11-20', runId: 'r1' },
        activityType: 'extractWarehouseMetering',
      } as Info),
    );
    expect(parsed.temporal).toEqual({
      workflowType: 'ingestMetering',
      workflowId: 'snowpatrol-ingest-2026-11-20',
      activity: 'extractWarehouseMetering',
    });
    expect(parsed.fields.app).toBe('snowpatrol');
    expect(parseQueryTag('{"workflow_type":"billing","activity_type":"export"}').temporal).toEqual({
      workflowType: 'billing',
      activity: 'export',
    });
  });

  it('keeps a tag it cannot read as text, and an empty one as none', () => {
    expect(parseQueryTag('nightly finance refresh')).toEqual({
      format: 'text',
      fields: { tag: 'nightly finance refresh' },
    });
    expect(parseQueryTag('{"dag_id": "broken"')).toEqual({ format: 'text', fields: { tag: '{"dag_id": "broken"' } });
    expect(parseQueryTag('[1,2,3]').format).toBe('text');
    expect(parseQueryTag('=oops').format).toBe('text');
    for (const empty of [undefined, null, '', '   '])
      expect(parseQueryTag(empty)).toEqual({ format: 'none', fields: {} });
  });

  it('bounds garbage: nested values become compact JSON, long values are cut, nulls are dropped', () => {
    const parsed = parseQueryTag(
      JSON.stringify({ dag_id: 'x'.repeat(500), extra: { a: [1, 2] }, gone: null, Task_ID: ' t ' }),
    );
    expect(parsed.fields.extra).toBe('{"a":[1,2]}');
    expect(parsed.fields).not.toHaveProperty('gone');
    expect(parsed.airflow?.dagId).toHaveLength(MAX_DIMENSION_LENGTH);
    expect(parsed.airflow?.taskId).toBe('t');
    const long = parseQueryTag(`${'word '.repeat(3000)}`);
    expect(long.format).toBe('text');
    expect(long.fields.tag.length).toBeLessThanOrEqual(MAX_DIMENSION_LENGTH);
  });
});

describe('workloadLabel', () => {
  const label = (tag: string | undefined) => workloadLabel(parseQueryTag(tag));

  it('names an Airflow task by dag and task, the same every run and in either format', () => {
    const run = (day: string) =>
      label(
        JSON.stringify({ dag_id: 'daily_sales', task_id: 'load_orders', run_id: `scheduled__${day}T00:00:00+00:00` }),
      );
    expect(run('2026-11-19')).toBe('airflow:daily_sales.load_orders');
    expect(run('2026-11-20')).toBe(run('2026-11-19'));
    expect(label('dag_id=daily_sales;task_id=load_orders')).toBe('airflow:daily_sales.load_orders');
    expect(label('dag_id=weekly_rollup')).toBe('airflow:weekly_rollup');
  });

  it('names a dbt model, whatever the invocation, even when Airflow ran it', () => {
    expect(label(JSON.stringify({ app: 'dbt', node_id: 'model.shop.orders', invocation_id: 'a1' }))).toBe('dbt:orders');
    expect(label(JSON.stringify({ app: 'dbt', node_id: 'model.shop.orders', invocation_id: 'b2' }))).toBe('dbt:orders');
    expect(label(JSON.stringify({ dag_id: 'dbt_nightly', task_id: 'run', node_id: 'model.shop.orders' }))).toBe(
      'dbt:orders',
    );
  });

  it('names a Temporal workload by workflow type and activity, not by the run', () => {
    const tag = (workflowId: string) =>
      JSON.stringify({
        app: 'billing',
        workflowType: 'billingExport',
        workflowId,
        runId: 'r',
        activity: 'exportInvoices',
      });
    expect(label(tag('billing-export-2026-11-19'))).toBe('temporal:billingExport.exportInvoices');
    expect(label(tag('billing-export-2026-11-20'))).toBe('temporal:billingExport.exportInvoices');
    expect(label('{"workflow_type":"billingExport"}')).toBe('temporal:billingExport');
    expect(label('{"workflowId":"orphan-1"}')).toBe('temporal:orphan-1');
  });

  it('keeps text tags and garbage as their text, other fields in key order, and no tag as (untagged)', () => {
    expect(label('nightly finance refresh')).toBe('nightly finance refresh');
    expect(label('{"dag_id": "broken"')).toBe('{"dag_id": "broken"');
    expect(label('team=finance;dashboard=revenue')).toBe('dashboard=revenue;team=finance');
    expect(label('{"dashboard":"revenue","team":"finance"}')).toBe('dashboard=revenue;team=finance');
    expect(label('x'.repeat(5000)).length).toBeLessThanOrEqual(MAX_DIMENSION_LENGTH);
    for (const empty of [undefined, '', '   ', '{}']) expect(label(empty)).toBe('(untagged)');
  });
});

describe('dimensionValues', () => {
  const record = (queryTag: string, userName = 'ANNA', roleName = 'ANALYST', queryHash = 'abc') => ({
    queryTag,
    userName,
    roleName,
    queryHash,
  });

  it('always gives query tag, user, role and hash; the tag-only dimensions only when the tag has them', () => {
    expect(dimensionValues(record('', '', '', ''))).toEqual({
      query_tag: '(untagged)',
      user: '(unknown)',
      role: '(unknown)',
      query_hash: '(unknown)',
    });
    expect(dimensionValues(record('dag_id=daily_sales;task_id=load;run_id=manual__1'))).toEqual({
      query_tag: 'airflow:daily_sales.load',
      user: 'ANNA',
      role: 'ANALYST',
      query_hash: 'abc',
      airflow_dag: 'daily_sales',
      airflow_task: 'daily_sales.load',
      airflow_run: 'daily_sales/manual__1',
    });
    expect(dimensionValues(record(JSON.stringify({ app: 'dbt', node_name: 'orders' })))).toMatchObject({
      query_tag: 'dbt:orders',
      dbt_model: 'orders',
    });
    const temporal = dimensionValues(record('{"workflowType":"billingExport","workflowId":"b-1","activity":"export"}'));
    expect(temporal).toMatchObject({
      temporal_workflow_type: 'billingExport',
      temporal_workflow_id: 'b-1',
      temporal_activity: 'export',
    });
    expect(temporal).not.toHaveProperty('airflow_dag');
  });
});
