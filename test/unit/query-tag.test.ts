import { MAX_DIMENSION_LENGTH, parseQueryTag } from '../../activities/attribution/query-tag';
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
