/**
 * The determinism guard. Every history captured from real runs (test/histories, re-captured with
 * `npx tsx test/histories/capture.ts`) must replay against the current workflow code, in either JSON enum style;
 * a change that alters the order of commands must fail replay unless it is guarded with `patched()`; and
 * `snowpatrol replay` reports both outcomes with its exit status.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { installReplayRuntime } from '../../client/commands/replay';
import { WORKFLOW_TYPES } from '../../schemas/constants';
import { replayHistories, type ReplayReport } from '../../worker/replay';
import { isolatedEnv, runCli } from '../helpers/cli';

const ROOT = path.resolve(__dirname, '../..');
const HISTORIES = path.join(ROOT, 'test/histories');
const FILES = fs
  .readdirSync(HISTORIES)
  .filter((f) => f.endsWith('.json'))
  .sort();
interface JsonHistory {
  events: Record<string, unknown>[];
}

const read = (file: string): JsonHistory => JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8'));
const started = (history: JsonHistory) =>
  history.events[0].workflowExecutionStartedEventAttributes as { workflowId: string; workflowType: { name: string } };
const recordedId = (history: JsonHistory) => started(history).workflowId;
const typeOf = (history: JsonHistory) => started(history).workflowType.name;

/** Enum fields and their prefixes, as the Web UI's JSON writes them without the prefix, in PascalCase. */
const ENUM_PREFIXES: Record<string, string> = {
  eventType: 'EVENT_TYPE_',
  kind: 'TASK_QUEUE_KIND_',
  parentClosePolicy: 'PARENT_CLOSE_POLICY_',
  workflowIdReusePolicy: 'WORKFLOW_ID_REUSE_POLICY_',
  initiator: 'CONTINUE_AS_NEW_INITIATOR_',
  retryState: 'RETRY_STATE_',
};

/** `EVENT_TYPE_WORKFLOW_EXECUTION_STARTED` → `WorkflowExecutionStarted`, and so on, everywhere in the history. */
function toWebUiEnums(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => toWebUiEnums(v));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWebUiEnums(v, k)]));
  }
  const prefix = key === undefined ? undefined : ENUM_PREFIXES[key];
  if (typeof value === 'string' && prefix && value.startsWith(prefix)) {
    return value
      .slice(prefix.length)
      .toLowerCase()
      .replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
  }
  return value;
}

/** Bundle a workflows module of this folder, quietly. */
function bundle(module: string): Promise<WorkflowBundleWithSourceMap> {
  const noop = () => undefined;
  return bundleWorkflowCode({
    workflowsPath: require.resolve(module),
    logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error },
  });
}

beforeAll(() => installReplayRuntime());

describe('captured histories', () => {
  let reports: ReplayReport[];

  beforeAll(async () => {
    // Each run under the workflow id it was recorded with, as `snowpatrol replay` does.
    reports = await replayHistories(FILES.map((file) => ({ workflowId: recordedId(read(file)), history: read(file) })));
  });

  test('cover every workflow type the worker registers, one file per type (capture.ts records them)', () => {
    expect(FILES).toEqual(expect.arrayContaining(Object.values(WORKFLOW_TYPES).map((type) => `${type}.json`)));
    for (const file of FILES) {
      expect(typeOf(read(file))).toBe(path.basename(file, '.json'));
      expect(recordedId(read(file))).toEqual(expect.stringMatching(/^snowpatrol-/));
    }
  });

  test.each(FILES)('%s replays against the current workflow code', (file) => {
    const report = reports[FILES.indexOf(file)];
    expect(report).toEqual({
      workflowId: recordedId(read(file)),
      workflowType: path.basename(file, '.json'),
      events: expect.any(Number),
      ok: true,
    });
    expect(report.events).toBe(read(file).events.length);
  });
});

test('histories replay in the CLI enum style, the Web UI enum style and as the proto object fetchHistory returns', async () => {
  // The pipeline's history has every enum field the two styles spell differently (child workflow policies too).
  const cliStyle = read('snowpatrolPipeline.json');
  expect(cliStyle.events[0].eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
  const webUiStyle = toWebUiEnums(cliStyle) as JsonHistory;
  expect(webUiStyle.events[0].eventType).toBe('WorkflowExecutionStarted');
  expect(JSON.stringify(webUiStyle)).toContain('"parentClosePolicy":"Terminate"');
  expect(JSON.stringify(webUiStyle)).not.toMatch(
    /"(EVENT_TYPE|TASK_QUEUE_KIND|PARENT_CLOSE_POLICY|WORKFLOW_ID_REUSE)_/,
  );
  const proto = historyFromJSON(cliStyle);

  const reports = await replayHistories([
    { workflowId: 'cli', history: cliStyle },
    { workflowId: 'web-ui', history: webUiStyle },
    { workflowId: 'proto', history: proto },
  ]);

  expect(reports.map((r) => [r.workflowId, r.ok, r.error])).toEqual([
    ['cli', true, undefined],
    ['web-ui', true, undefined],
    ['proto', true, undefined],
  ]);
  expect(reports.every((r) => r.events === cliStyle.events.length)).toBe(true);
});

describe('the determinism guard', () => {
  const recorded = () => read('scoreAnomalies.json');
  let unpatched: WorkflowBundleWithSourceMap;
  let patched: WorkflowBundleWithSourceMap;

  beforeAll(async () => {
    unpatched = await bundle('./nondeterministic-workflows');
    patched = await bundle('./patched-workflows');
  });

  test('a scoreAnomalies that adds an unpatched timer fails to replay a run recorded before the change', async () => {
    const [report] = await replayHistories([{ workflowId: 'snowpatrol-score-2026-03-21', history: recorded() }], {
      workflowBundle: unpatched,
    });

    expect(report.ok).toBe(false);
    expect(report.workflowType).toBe('scoreAnomalies');
    expect(report.error).toMatch(/^Replay failed with a nondeterminism error\. /);
    expect(report.error).toMatch(/Timer machine does not handle this event: HistoryEvent\(id: \d+, \w+\)/);
  });

  test('the SDK itself throws a DeterminismViolationError for it', async () => {
    const error: unknown = await Worker.runReplayHistory({ workflowBundle: unpatched }, recorded()).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(DeterminismViolationError);
    expect((error as Error).message).toContain('Nondeterminism error');
  });

  test('the same change guarded by patched() replays the recorded run', async () => {
    const [report] = await replayHistories([{ workflowId: 'snowpatrol-score-2026-03-21', history: recorded() }], {
      workflowBundle: patched,
    });

    expect(report).toMatchObject({ ok: true, workflowType: 'scoreAnomalies' });
    expect(report.error).toBeUndefined();
  });

  test('anything that is not a complete history is reported on its own, and the others still replay', async () => {
    const notStarted = {
      events: [
        {
          eventId: '1',
          eventType: 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
          workflowTaskScheduledEventAttributes: { attempt: 1 },
        },
      ],
    };
    const reports = await replayHistories([
      { workflowId: 'null', history: null },
      { workflowId: 'empty', history: { events: [] } },
      { workflowId: 'partial', history: notStarted },
      { workflowId: 'good', history: recorded() },
    ]);

    expect(reports.map((r) => [r.workflowId, r.ok])).toEqual([
      ['null', false],
      ['empty', false],
      ['partial', false],
      ['good', true],
    ]);
    expect(reports[0].error).toBe('not a workflow history: expected a JSON object with an "events" array');
    expect(reports[1].error).toBe('not a workflow history: it has no events');
    expect(reports[2].error).toContain('the first event is not WorkflowExecutionStarted');
  });
});

describe('snowpatrol replay <history.json…>', () => {
  let dir: string;
  const env = () => isolatedEnv({ SNOWPATROL_HOME: path.join(dir, 'home') });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-replay-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('exits 0 with a ✓ line for a captured history', async () => {
    const result = await runCli(['replay', 'test/histories/scoreAnomalies.json'], env());

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^✓ test\/histories\/scoreAnomalies\.json — snowpatrol-score-2026-03-21, scoreAnomalies, \d+ events$/m,
    );
    expect(result.stdout).toContain('1 of 1 replayed cleanly');
  });

  test('exits 1 naming a corrupted file, before replaying anything', async () => {
    const corrupted = path.join(dir, 'corrupted.json');
    const text = fs.readFileSync(path.join(HISTORIES, 'scoreAnomalies.json'), 'utf8');
    fs.writeFileSync(corrupted, text.slice(0, text.length / 2));

    const result = await runCli(['replay', 'test/histories/scoreAnomalies.json', corrupted], env());

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${corrupted}: not valid JSON`);
  });

  test('exits 1 with the nondeterminism detail when a history no longer matches the code (--json)', async () => {
    // A recorded scoreAnomalies run presented as prepareFeatures: that code schedules a different activity.
    const mismatched = path.join(dir, 'mismatched.json');
    const text = fs.readFileSync(path.join(HISTORIES, 'scoreAnomalies.json'), 'utf8');
    fs.writeFileSync(mismatched, text.replaceAll('"scoreAnomalies"', '"prepareFeatures"'));

    const result = await runCli(['replay', '--json', 'test/histories/scoreAnomalies.json', mismatched], env());

    expect(result.code).toBe(1);
    const lines = JSON.parse(result.stdout) as (ReplayReport & { file: string })[];
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ file: 'test/histories/scoreAnomalies.json', ok: true });
    expect(lines[1]).toMatchObject({ file: mismatched, workflowType: 'prepareFeatures', ok: false });
    expect(lines[1].error).toMatch(/nondeterminism/);
    expect(lines[1].error).toContain("scheduled event 'scoreWarehouseDays' does not match");
  });
});
