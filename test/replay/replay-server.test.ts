/**
 * `snowpatrol replay --workflow-id` and `--query` fetch histories from a real Temporal dev server (runs of a real
 * worker on the real Postgres at 127.0.0.1) and replay them against the current workflow code.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { TASK_QUEUE, WORKFLOW_TYPES } from '../../schemas/constants';
import type { ReplayReport } from '../../worker/replay';
import { isolatedEnv, runCli } from '../helpers/cli';
import { startTemporal } from '../helpers/temporal';
import { startTestWorker, type TestWorker } from '../helpers/worker';

const WORKFLOW_ID = 'replay-test-score';
/** Two runs of one workflow id: the older for --run-id, the newer is the latest. */
const runIds: string[] = [];

let env: TestWorkflowEnvironment;
let tw: TestWorker;

beforeAll(async () => {
  env = await startTemporal();
  tw = await startTestWorker(env, 42);
  for (const asOf of ['2026-03-20', '2026-03-21']) {
    const handle = await env.client.workflow.start(WORKFLOW_TYPES.score, {
      taskQueue: TASK_QUEUE,
      workflowId: WORKFLOW_ID,
      args: [{ asOf }],
    });
    await handle.result();
    runIds.push(handle.firstExecutionRunId);
  }
  // Visibility is eventually consistent: wait until the list shows both runs.
  for (let i = 0; i < 50; i++) {
    const { count } = await env.client.workflow.count(`WorkflowId = '${WORKFLOW_ID}'`);
    if (count === 2) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});

afterAll(async () => {
  await tw?.stop();
  await env?.teardown();
});

const cliEnv = () => isolatedEnv({ TEMPORAL_ADDRESS: env.address });

test('--workflow-id replays the latest run, --run-id the run given', async () => {
  const latest = await runCli(['replay', '--workflow-id', WORKFLOW_ID], cliEnv());
  const older = await runCli(['replay', '--workflow-id', WORKFLOW_ID, '--run-id', runIds[0]], cliEnv());

  expect(latest.code).toBe(0);
  expect(latest.stdout).toMatch(new RegExp(`^✓ ${WORKFLOW_ID} — scoreAnomalies, run ${runIds[1]}, \\d+ events$`, 'm'));
  expect(older.code).toBe(0);
  expect(older.stdout).toMatch(new RegExp(`^✓ ${WORKFLOW_ID} — scoreAnomalies, run ${runIds[0]}, \\d+ events$`, 'm'));
});

test('--query replays every execution the visibility query matches', async () => {
  const result = await runCli(['replay', '--json', '--query', `WorkflowId = '${WORKFLOW_ID}'`], cliEnv());

  expect(result.code).toBe(0);
  const lines = JSON.parse(result.stdout) as (ReplayReport & { runId: string })[];
  expect(lines.map((l) => l.runId).sort()).toEqual([...runIds].sort());
  for (const line of lines) {
    expect(line).toMatchObject({ workflowId: WORKFLOW_ID, workflowType: 'scoreAnomalies', ok: true });
  }
});

test('an unknown workflow id or a query that matches nothing fails, saying which', async () => {
  const unknown = await runCli(['replay', '--workflow-id', 'no-such-workflow'], cliEnv());
  const nothing = await runCli(['replay', '--query', "WorkflowType = 'noSuchWorkflow'"], cliEnv());

  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('cannot fetch the history of no-such-workflow');
  expect(nothing.code).toBe(1);
  expect(nothing.stderr).toContain(`no workflow execution matches --query "WorkflowType = 'noSuchWorkflow'"`);
});
