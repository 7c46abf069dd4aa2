/**
 * Bad workflow inputs, one table, sent the way an operator sends them: the real `temporal workflow execute` binary
 * against a Temporal dev server and a snowpatrol worker (real Postgres). For every registered workflow type, each
 * wrong type, impossible date, reversed or oversized range, out-of-range number or unknown field must
 *   - fail the workflow with a non-retryable ApplicationFailure of type InvalidInput whose message names the field
 *     (and the `temporal` command exit non-zero, saying so),
 *   - fail in its first workflow task, with no activity and no child workflow started, and
 *   - write nothing: every table keeps the same rows (count and content), and no alert reaches the outbox.
 */
import fs from 'node:fs';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import postgres from 'postgres';
import { TASK_QUEUE, WORKFLOW_TYPES } from '../../schemas/constants';
import { toIsoDay } from '../../schemas/dates';
import { startProcess } from '../helpers/cli';
import { tableFingerprints } from '../helpers/table-fingerprints';
import { activityStarts } from '../helpers/history';
import { startTemporal, temporalCliPath } from '../helpers/temporal';
import { startTestWorker, type TestWorker } from '../helpers/worker';

const TODAY = toIsoDay(Date.now());

let env: TestWorkflowEnvironment;
let tw: TestWorker;
let sql: postgres.Sql;
let baseline: Record<string, string>;

beforeAll(async () => {
  env = await startTemporal();
  tw = await startTestWorker(env, 42);
  sql = postgres(tw.databaseUrl, { max: 1, onnotice: () => undefined });
}, 120_000);

afterAll(async () => {
  await sql?.end();
  await tw?.stop();
  await env?.teardown();
});

const outbox = () => (fs.existsSync(tw.outboxDir) ? fs.readdirSync(tw.outboxDir) : []);

/** `temporal workflow execute` of `type` with `input` (no --input when undefined): its exit code and output. */
async function temporalExecute(type: string, workflowId: string, input: string | undefined) {
  const args = ['workflow', 'execute', '--address', env.address, '--namespace', env.namespace ?? 'default'];
  args.push('--task-queue', TASK_QUEUE, '--type', type, '--workflow-id', workflowId);
  if (input !== undefined) args.push('--input', input);
  const run = startProcess(temporalCliPath(), args, process.env);
  return { code: await run.exited, output: run.output() };
}

test('a good input runs through the same command line (the control: the worker is there and loads data)', async () => {
  const run = await temporalExecute(
    WORKFLOW_TYPES.ingest,
    'good-ingest',
    JSON.stringify({ asOf: '2026-03-02', source: 'demo', from: '2026-03-01', to: '2026-03-02' }),
  );
  expect(run.output).toContain('COMPLETED');
  expect(run.code).toBe(0);
  baseline = await tableFingerprints(sql);
  expect(baseline.metering_hourly).toMatch(/^(?!0 )\d+ rows/);
  expect(outbox()).toEqual([]);
});

const P = WORKFLOW_TYPES.pipeline;
const CASES: [string, string | undefined, string][] = [
  [P, '{"asOf": 20260101}', 'asOf: expected a date string like "2026-11-20", got 20260101'],
  [P, '{"asOf": "2026-02-30"}', 'asOf: expected a date like "2026-11-20", got "2026-02-30"'],
  [P, '{"asOf": "2026-13-01"}', 'asOf: expected a date like "2026-11-20", got "2026-13-01"'],
  [P, '{"asOf": "yesterday"}', 'asOf: expected a date like "2026-11-20", got "yesterday"'],
  [P, '{"asOf": ""}', 'asOf: expected a date like "2026-11-20", got ""'],
  [P, '{"asOf": "9999-12-31"}', `asOf: "9999-12-31" is in the future (today is ${TODAY}, UTC)`],
  [P, '{"asOf": "1999-12-31"}', 'asOf: "1999-12-31" is before 2000-01-01, the earliest day snowpatrol works on'],
  [P, '{"warehouses": "x"}', 'unknown field(s) "warehouses"'],
  [P, '{"asof": "2026-03-01", "scoreDays": 7}', 'unknown field(s) "asof"'],
  [P, '{"historyDays": -5}', 'historyDays: must be at least 14'],
  [P, '{"historyDays": 1e9}', 'historyDays: must be at most 1460'],
  [P, '{"scoreDays": 0.5}', 'scoreDays: expected a whole number of days'],
  [P, '{"scoreDays": "7"}', 'scoreDays: expected a whole number of days'],
  [P, '{"notify": "yes"}', 'notify: expected true or false'],
  [P, '{"dataDeadlineHours": 1e308}', 'dataDeadlineHours: must be at most 168'],
  [P, '{"source": "ftp:x"}', 'source: expected "snowflake", "demo" or "csv:<path>", got "ftp:x"'],
  [P, '{"source": "csv:"}', 'source: expected "snowflake", "demo" or "csv:<path>", got "csv:"'],
  [P, '"2026-11-20"', 'input must be a JSON object'],
  [P, '[]', 'input must be a JSON object'],
  [P, '""', 'input must be a JSON object'],
  [P, '42', 'input must be a JSON object'],
  [WORKFLOW_TYPES.ingest, '{"from": "2026-03-10", "to": "2026-03-01"}', 'from: "2026-03-10" is after to "2026-03-01"'],
  [
    WORKFLOW_TYPES.ingest,
    '{"from": "2020-01-01", "to": "2026-03-01"}',
    'from: "2020-01-01" → to "2026-03-01" is 2252 days; at most 1460 at once',
  ],
  [WORKFLOW_TYPES.ingest, '{"to": "2099-01-01"}', `to: "2099-01-01" is in the future (today is ${TODAY}, UTC)`],
  [WORKFLOW_TYPES.ingest, '{"reloadDays": 31}', 'reloadDays: must be at most 30'],
  [WORKFLOW_TYPES.ingest, '{"historyDays": "120"}', 'historyDays: expected a whole number of days'],
  [
    WORKFLOW_TYPES.features,
    '{"asOf": "2026-03-01", "from": "2026-03-02"}',
    'from: "2026-03-02" is after asOf "2026-03-01" (the default of to)',
  ],
  [WORKFLOW_TYPES.features, '{"to": "2026-13-01"}', 'to: expected a date like "2026-11-20", got "2026-13-01"'],
  [WORKFLOW_TYPES.train, '{"trainedTo": "x"}', 'trainedTo: expected a date like "2026-11-20", got "x"'],
  [WORKFLOW_TYPES.train, '{"trainingDays": 13}', 'trainingDays: must be at least 14'],
  [WORKFLOW_TYPES.train, '{"maxParallel": 0}', 'maxParallel: must be at least 1'],
  [WORKFLOW_TYPES.train, '{"maxParallel": 1000000}', 'maxParallel: must be at most 64'],
  [WORKFLOW_TYPES.score, '{"from": "2026-03-10", "to": "2026-03-01"}', 'from: "2026-03-10" is after to "2026-03-01"'],
  [WORKFLOW_TYPES.score, '{"asOf": "2099-01-01"}', `asOf: "2099-01-01" is in the future (today is ${TODAY}, UTC)`],
  [
    WORKFLOW_TYPES.notify,
    '{"asOf": "2026-03-01", "from": "2026-03-10"}',
    'from: "2026-03-10" is after asOf "2026-03-01" (the default of to)',
  ],
  [WORKFLOW_TYPES.notify, '{"channel": "#cost"}', 'unknown field(s) "channel"'],
  [
    WORKFLOW_TYPES.attribute,
    '{"from": "2026-03-10", "to": "2026-03-01"}',
    'from: "2026-03-10" is after to "2026-03-01"',
  ],
  [WORKFLOW_TYPES.attribute, '{"waitHours": -1}', 'waitHours: must be at least 0'],
  [WORKFLOW_TYPES.attribute, '{"checkEveryMinutes": 0}', 'checkEveryMinutes: must be at least 0.05 (3 seconds)'],
  [WORKFLOW_TYPES.attribute, '{"editAlerts": "yes"}', 'editAlerts: expected true or false'],
  [
    WORKFLOW_TYPES.attribute,
    '{"source": "ftp:x"}',
    'source: expected "snowflake", "demo" or "csv:<path>", got "ftp:x"',
  ],
  [WORKFLOW_TYPES.pipeline, '{"causeWaitHours": 100}', 'causeWaitHours: must be at most 72'],
  [WORKFLOW_TYPES.scheduled, '{"asOf": "2026-03-01"}', 'unknown field(s) "asOf"'],
  [WORKFLOW_TYPES.scheduled, '{"historyDays": "120"}', 'historyDays: expected a whole number of days'],
  [WORKFLOW_TYPES.snooze, undefined, 'warehouse: expected the warehouse to snooze, e.g. "ACME_PROD.ETL_WH"'],
  [WORKFLOW_TYPES.snooze, '{"warehouse": ""}', 'warehouse: must name a warehouse'],
  [WORKFLOW_TYPES.snooze, '{"warehouse": 42}', 'warehouse: expected the warehouse to snooze'],
  [WORKFLOW_TYPES.snooze, '{"warehouses": ["ACME_PROD.ETL_WH"]}', 'unknown field(s) "warehouses"'],
  [WORKFLOW_TYPES.snooze, '{"warehouse": "ACME_PROD.ETL_WH", "days": -1}', 'days: must be more than 0'],
  [WORKFLOW_TYPES.snooze, '{"warehouse": "ACME_PROD.ETL_WH", "days": 1e9}', 'days: must be at most 90'],
  [
    WORKFLOW_TYPES.snooze,
    '{"warehouse": "ACME_PROD.ETL_WH", "until": "tomorrow"}',
    'until: expected an ISO timestamp like "2026-11-22T09:00:00Z"',
  ],
  [
    WORKFLOW_TYPES.snooze,
    '{"warehouse": "ACME_PROD.ETL_WH", "until": "9999-12-31T00:00:00Z"}',
    'until: "9999-12-31T00:00:00Z" is more than 90 days from now',
  ],
  [
    WORKFLOW_TYPES.snooze,
    '{"warehouse": "ACME_PROD.ETL_WH", "anomalyId": 2147483648}',
    'anomalyId: must be at most 2147483647',
  ],
];

test('the table covers every workflow type the worker registers', async () => {
  const registered = Object.keys(await import('../../workflows')).sort();
  expect([...new Set(CASES.map(([type]) => type))].sort()).toEqual(registered);
});

describe.each(CASES.map(([type, input, message], i) => ({ i, type, input, message })))(
  '$type $input',
  ({ i, type, input, message }) => {
    test(`fails at once with InvalidInput naming it (${message})`, async () => {
      const workflowId = `bad-input-${i}`;
      const run = await temporalExecute(type, workflowId, input);

      expect(run.code).not.toBe(0);
      expect(run.output).toContain('FAILED');
      expect(run.output).toContain(`invalid ${type} input: `);
      expect(run.output).toContain(message);

      const handle = env.client.workflow.getHandle(workflowId);
      const error = await handle.result().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(WorkflowFailedError);
      const failure = (error as WorkflowFailedError).cause;
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
      expect((failure as ApplicationFailure).message).toMatch(new RegExp(`^invalid ${type} input: `));
      expect((failure as ApplicationFailure).message).toContain(message);

      // Failed in its first workflow task: no activity, no child workflow, no timer, no retried task.
      expect(await activityStarts(handle)).toEqual({});
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.filter((e) => e.workflowTaskStartedEventAttributes)).toHaveLength(1);
      expect(events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toEqual([]);
      expect(events.filter((e) => e.timerStartedEventAttributes)).toEqual([]);
      expect(events.at(-1)?.workflowExecutionFailedEventAttributes).toBeTruthy();

      expect(await tableFingerprints(sql)).toEqual(baseline);
      expect(outbox()).toEqual([]);
    });
  },
);
