/**
 * The container image runs workflow code bundled when the image is built: `npm run bundle:workflows` writes the
 * file and SNOWPATROL_WORKFLOW_BUNDLE names it. Here a bundle is built the same way into a temporary directory and
 * shown to be the code that runs: a worker on a real dev server runs a workflow end to end from it, the committed
 * histories replay against it through `snowpatrol replay` started as the image starts it (a bundle of changed code
 * fails them), and `snowpatrol worker` started as the image starts it passes the image's health check and drains
 * on SIGTERM. Without the variable a worker still bundles the checkout; a missing file stops it with the fix.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import { snoozeWorkflowId, TASK_QUEUE, WORKFLOW_TYPES } from '../../schemas/constants';
import { snoozes } from '../../schemas/tables';
import { WORKFLOW_BUNDLE_ENV, workflowBundle } from '../../worker/bundle';
import { createSnowpatrolWorker } from '../../worker/create-worker';
import type { ReplayReport } from '../../worker/replay';
import { tempDir } from '../fixtures/temp-dir';
import { freePort, isolatedEnv, startNodeCli, startProcess, type CapturedProcess } from '../helpers/cli';
import { execForm, parseDockerfile } from '../helpers/deploy-files';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { startTemporal } from '../helpers/temporal';
import { startTestWorker } from '../helpers/worker';

const ROOT = path.resolve(__dirname, '../..');
const HISTORIES = path.join(ROOT, 'test/histories');
const HISTORY_FILES = fs
  .readdirSync(HISTORIES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => path.join(HISTORIES, f));

let env: TestWorkflowEnvironment;
let dir: string;
let bundleFile: string;
let buildOutput: string;

async function run(command: string, args: string[], childEnv: NodeJS.ProcessEnv) {
  const child = startProcess(command, args, childEnv);
  const code = await child.exited;
  return { code, output: child.output() };
}

/** `node --import tsx client/main.ts …`: the image's ENTRYPOINT, past tini. */
const snowpatrol = async (args: string[], childEnv: NodeJS.ProcessEnv) => {
  const child = startNodeCli(args, childEnv);
  return { code: await child.exited, output: child.output() };
};

/** `snowpatrol replay --json` of `files` against the bundle file named. */
async function replayWith(bundle: string, files: string[]): Promise<{ code: number | null; reports: ReplayReport[] }> {
  const { code, output } = await snowpatrol(
    ['replay', '--json', ...files],
    isolatedEnv({ [WORKFLOW_BUNDLE_ENV]: bundle, SNOWPATROL_HOME: dir }),
  );
  const json = output.slice(output.indexOf('['), output.lastIndexOf(']') + 1);
  return { code, reports: JSON.parse(json) as ReplayReport[] };
}

beforeAll(async () => {
  dir = tempDir();
  bundleFile = path.join(dir, 'dist/workflow-bundle.js');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const built = await run(npm, ['run', '--silent', 'bundle:workflows', '--', bundleFile], process.env);
  buildOutput = built.output;
  if (built.code !== 0) throw new Error(`npm run bundle:workflows failed:\n${built.output}`);
  env = await startTemporal();
});

afterAll(async () => {
  await env?.teardown();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('`npm run bundle:workflows -- FILE` writes one self-contained file holding every workflow type', () => {
  const code = fs.readFileSync(bundleFile, 'utf8');
  expect(code.length).toBeGreaterThan(100_000);
  for (const type of Object.values(WORKFLOW_TYPES)) expect(code).toContain(type);
  expect(fs.readdirSync(path.dirname(bundleFile))).toEqual(['workflow-bundle.js']); // no partial file left behind
  expect(buildOutput).toContain(`${WORKFLOW_BUNDLE_ENV}=${bundleFile}`);
});

test('a worker running the file runs snoozeWarehouse end to end: mutes, waits on a durable timer, unmutes', async () => {
  const worker = await startTestWorker(env, 42, { workflowBundlePath: bundleFile, taskQueue: 'prebuilt-bundle' });
  try {
    const warehouse = 'ACME_PROD.ETL_WH';
    const until = new Date(Date.now() + 1000).toISOString();
    const handle = await env.client.workflow.start(WORKFLOW_TYPES.snooze, {
      taskQueue: 'prebuilt-bundle',
      workflowId: snoozeWorkflowId(warehouse),
      args: [{ warehouse, until, author: 'U0OPS' }],
    });
    expect(await handle.result()).toEqual({ warehouse, until, ended: true });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(until));
    expect(await worker.database.db.select().from(snoozes)).toEqual([]);
    const events = (await handle.fetchHistory()).events ?? [];
    const activities = events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
    expect(activities).toEqual(['startSnooze', 'endSnooze']);
    expect(events.filter((e) => e.timerFiredEventAttributes)).toHaveLength(1);
  } finally {
    await worker.stop();
  }
});

test('the committed histories replay cleanly against the file through `snowpatrol replay`, as in the image', async () => {
  const { code, reports } = await replayWith(bundleFile, HISTORY_FILES);
  expect(reports.filter((r) => !r.ok)).toEqual([]);
  expect(code).toBe(0);
  expect(reports.map((r) => r.workflowType).sort()).toEqual(Object.values(WORKFLOW_TYPES).sort());
});

test('replay runs the file the variable names, not the checkout: a bundle of changed code fails a history', async () => {
  const noop = () => undefined;
  const changed = await bundleWorkflowCode({
    workflowsPath: require.resolve('../replay/nondeterministic-workflows'),
    logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error },
  });
  const changedFile = path.join(dir, 'changed-bundle.js');
  fs.writeFileSync(changedFile, changed.code);

  const { code, reports } = await replayWith(changedFile, [path.join(HISTORIES, 'scoreAnomalies.json')]);
  expect(code).toBe(1);
  expect(reports).toEqual([expect.objectContaining({ workflowType: 'scoreAnomalies', ok: false })]);
  expect(reports[0].error).toMatch(/nondeterminism/i);
});

test('without the variable a worker bundles the checkout at start; a missing or empty file stops it', async () => {
  const fresh: WorkflowBundleOption = await workflowBundle({});
  expect(Object.keys(fresh)).toContain('code');
  expect(Object.keys(fresh)).not.toContain('codePath');
  expect(await workflowBundle({ [WORKFLOW_BUNDLE_ENV]: bundleFile })).toEqual({ codePath: bundleFile });

  const missing = path.join(dir, 'nowhere/workflow-bundle.js');
  await expect(workflowBundle({ [WORKFLOW_BUNDLE_ENV]: missing })).rejects.toThrow(
    `${WORKFLOW_BUNDLE_ENV}: ${missing} does not exist; build it with \`npm run bundle:workflows -- ${missing}\`, ` +
      `or unset ${WORKFLOW_BUNDLE_ENV} to bundle at start`,
  );
  const empty = path.join(dir, 'empty-bundle.js');
  fs.writeFileSync(empty, '');
  for (const [file, reason] of [
    [missing, 'does not exist'],
    [empty, 'is not a workflow bundle (empty)'],
  ]) {
    await expect(
      createSnowpatrolWorker({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        activities: {} as never,
        maxConcurrentActivities: 1,
        workflowBundlePath: file,
      }),
    ).rejects.toThrow(`${file} ${reason}`);
  }
});

describe('`snowpatrol worker` started as the image starts it, with the file', () => {
  let testDb: TestDatabase;
  let worker: CapturedProcess | undefined;

  beforeAll(async () => {
    testDb = await createTestDatabase();
  });

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await worker?.exited;
    await testDb?.drop();
  });

  test("passes the image's health check, runs a workflow, drains on SIGTERM and exits 0", async () => {
    const metricsPort = String(await freePort());
    const stages = parseDockerfile(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
    const healthcheck = stages[stages.length - 1].instructions.find((i) => i.keyword === 'HEALTHCHECK')!;
    const [command, ...args] = execForm(healthcheck.args);
    expect(command).toBe('node');
    const healthy = async () =>
      (await run(process.execPath, args, { ...process.env, SNOWPATROL_METRICS_PORT: metricsPort })).code === 0;

    worker = startNodeCli(
      ['worker'],
      isolatedEnv({
        SNOWPATROL_HOME: dir,
        TEMPORAL_ADDRESS: env.address,
        DATABASE_URL: testDb.url,
        [WORKFLOW_BUNDLE_ENV]: bundleFile,
        SNOWPATROL_METRICS_PORT: metricsPort,
        SNOWPATROL_LOG_JSON: 'true',
      }),
    );
    const deadline = Date.now() + 60_000;
    while (!(await healthy())) {
      if (Date.now() > deadline) throw new Error(`the worker never became healthy:\n${worker.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    const warehouse = 'ACME_DEV.DEV_WH';
    const until = new Date(Date.now() + 1000).toISOString();
    const result = await env.client.workflow.execute(WORKFLOW_TYPES.snooze, {
      taskQueue: TASK_QUEUE,
      workflowId: snoozeWorkflowId(warehouse),
      args: [{ warehouse, until, author: 'U0OPS' }],
    });
    expect(result).toEqual({ warehouse, until, ended: true });

    worker.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await healthy()).toBe(false);
  });
});
