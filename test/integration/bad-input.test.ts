/**
 * Bad input, one table: every malformed or impossible value a user can hand the CLI — dates, ranges, numbers,
 * warehouses, sources, CSV exports, the config file, environment settings, replay histories — gets
 *   (a) one clear line naming the problem (the flag, variable, key, file line or column, and what is wrong),
 *   (b) a non-zero exit, with no stack trace, and
 *   (c) no write: every table of a real Postgres test database keeps the same rows (count and content), no outbox
 *       file, no state directory, and no workflow on a real Temporal dev server the commands are pointed at.
 *
 * Commands run in-process through the CLI's own commander program (`program()` of client/main.ts, with commander's
 * exitOverride instead of process.exit, and main()'s one-line `snowpatrol: <reason>` for a thrown error), so the
 * table stays fast. The last block runs the real CLI process for replay and a sample of the table, to show that
 * the process exits the same way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { type Command, CommanderError } from 'commander';
import postgres from 'postgres';
import { MAX_CSV_RECORD_SIZE, validateCsvExport } from '../../activities/sources/csv-source';
import { openDatabase, type Database } from '../../activities/store/database';
import { startDevServer, type DevServer } from '../../client/dev-server';
import { failureReason, program } from '../../client/main';
import { toIsoDay } from '../../schemas/dates';
import { csvRow, csvText, type CsvMeteringRow } from '../fixtures/csv-export';
import { loadDemoMetering } from '../fixtures/demo-state';
import { insertStubModel } from '../fixtures/model-version';
import { freePort, isolatedEnv, runCli, type CliResult } from '../helpers/cli';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { tableFingerprints } from '../helpers/table-fingerprints';
import { temporalCliPath } from '../helpers/temporal';

const TODAY = toIsoDay(Date.now());
const SEED = 42;

let dir: string;
let testDb: TestDatabase;
let database: Database;
let sql: postgres.Sql;
let temporal: DevServer;
let connection: Connection;
let client: Client;
/** What every table holds before any case runs; each case must leave it exactly so. */
let baseline: Record<string, string>;

/** The settings every case starts from: a real database and Temporal server, private state and outbox paths. */
const baseEnv = () => ({
  DATABASE_URL: testDb.url,
  TEMPORAL_ADDRESS: temporal.address,
  TEMPORAL_CLI_PATH: temporalCliPath(),
  SNOWPATROL_HOME: path.join(dir, 'home'),
  SNOWPATROL_OUTBOX_DIR: path.join(dir, 'outbox'),
});

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-bad-input-'));
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.url, maxConnections: 2 });
  // Something in the tables, so that "unchanged" means something: two days of the demo's metering and a model.
  await loadDemoMetering(database.db, '2026-03-01', '2026-03-02', SEED);
  await insertStubModel(database.db, 'ACME_PROD.ETL_WH');
  sql = postgres(testDb.url, { max: 1, onnotice: () => undefined });
  temporal = await startDevServer({
    cliPath: temporalCliPath(),
    home: path.join(dir, 'temporal'),
    port: await freePort(),
    uiPort: await freePort(),
  });
  connection = await Connection.connect({ address: temporal.address });
  client = new Client({ connection });
  baseline = await tableFingerprints(sql);
  expect(Object.keys(baseline).length).toBeGreaterThanOrEqual(10);
  expect(baseline.metering_hourly).toMatch(/^(?!0 )\d+ rows/);
}, 120_000);

afterAll(async () => {
  await connection?.close();
  await temporal?.stop();
  await sql?.end();
  await database?.close();
  await testDb?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Ids of every workflow execution on the dev server (none may ever start in this file). */
async function workflowIds(): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of client.workflow.list()) ids.push(execution.workflowId);
  return ids;
}

/**
 * `snowpatrol <args>` in this process with `env` over the base settings: the exit code, and what it wrote to
 * stdout and stderr. A thrown error ends as main() ends it: `snowpatrol: <reason>` and exit 1.
 */
async function snowpatrol(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  // Errors commander reports itself (bad flags) come through here, already printed; others are the command's own.
  let reported: CommanderError | undefined;
  const cli = program();
  const quiet = (command: Command) => {
    command
      .exitOverride((err) => {
        reported = err;
        throw err;
      })
      .configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) });
    command.commands.forEach(quiet);
  };
  quiet(cli);
  const saved = { env: process.env, exitCode: process.exitCode, out: process.stdout.write, err: process.stderr.write };
  process.env = isolatedEnv({ ...baseEnv(), ...env });
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof saved.out;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof saved.err;
  let code: number;
  try {
    await cli.parseAsync(['node', 'snowpatrol', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError && err === reported) {
      code = err.exitCode;
    } else {
      stderr += `snowpatrol: ${failureReason(err)}\n`;
      code = 1;
    }
  } finally {
    process.env = saved.env;
    process.exitCode = saved.exitCode;
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
  }
  return { code, stdout, stderr };
}

/** (a) the message, (b) a non-zero exit without a stack trace, (c) nothing written anywhere. */
async function expectRejected(result: CliResult, message: RegExp | string): Promise<void> {
  expect({ code: result.code, stderr: result.stderr, stdout: result.stdout }).toEqual({
    code: 1,
    stderr: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message),
    stdout: '',
  });
  expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(await tableFingerprints(sql)).toEqual(baseline);
  expect(fs.existsSync(path.join(dir, 'outbox'))).toBe(false);
  expect(fs.existsSync(path.join(dir, 'home'))).toBe(false);
  expect(await workflowIds()).toEqual([]);
}

const commanderSays = (flag: string, value: string, reason: string) =>
  `option '${flag}' argument '${value}' is invalid. ${reason}`;

// ---------------------------------------------------------------------------------------------------------------
// Dates: every date flag of every command, with every kind of bad date.
// ---------------------------------------------------------------------------------------------------------------

/** Each command's date flags, as a valid command line with the flag's value left to fill in. */
const DATE_FLAGS: [string, string, (value: string) => string[]][] = [
  ['run', '--as-of <date>', (v) => ['run', '--as-of', v, '--source', 'demo']],
  ['demo', '--as-of <date>', (v) => ['demo', '--as-of', v]],
  ['ingest', '--from <date>', (v) => ['ingest', '--source', 'demo', '--from', v, '--to', '2026-03-10']],
  ['ingest', '--to <date>', (v) => ['ingest', '--source', 'demo', '--from', '2026-03-01', '--to', v]],
  ['check-data', '--from <date>', (v) => ['check-data', '--source', 'demo', '--from', v]],
  ['check-data', '--to <date>', (v) => ['check-data', '--source', 'demo', '--to', v]],
  ['backtest', '--from <date>', (v) => ['backtest', '--source', 'demo', '--from', v, '--to', '2026-03-10']],
  ['backtest', '--to <date>', (v) => ['backtest', '--source', 'demo', '--to', v]],
  ['anomalies', '--from <date>', (v) => ['anomalies', '--from', v]],
  ['anomalies list', '--to <date>', (v) => ['anomalies', 'list', '--to', v]],
  ['data-ready', '--as-of <date>', (v) => ['data-ready', '--as-of', v]],
  ['schedules backfill', '--from <date>', (v) => ['schedules', 'backfill', '--from', v, '--to', '2026-03-10']],
  ['schedules backfill', '--to <date>', (v) => ['schedules', 'backfill', '--from', '2026-03-01', '--to', v]],
];

const BAD_DATES: [string, string][] = [
  ['2026-13-01', 'expected a date like 2026-11-20, got "2026-13-01"'],
  ['2026-02-30', 'expected a date like 2026-11-20, got "2026-02-30"'],
  ['yesterday', 'expected a date like 2026-11-20, got "yesterday"'],
  ['20260101', 'expected a date like 2026-11-20, got "20260101"'],
  ['2026-1-1', 'expected a date like 2026-11-20, got "2026-1-1"'],
  ['', 'expected a date like 2026-11-20, got ""'],
  ['2099-01-01', `"2099-01-01" is in the future (today is ${TODAY}, UTC)`],
  ['9999-12-31', `"9999-12-31" is in the future (today is ${TODAY}, UTC)`],
  ['1999-12-31', '"1999-12-31" is before 2000-01-01, the earliest day snowpatrol works on'],
];

describe('dates', () => {
  const cases = DATE_FLAGS.flatMap(([command, flag, line]) =>
    BAD_DATES.map(([value, why]): [string, string, string, (value: string) => string[], string] => [
      command,
      flag,
      value,
      line,
      why,
    ]),
  );
  test.each(cases)('%s %s %j', async (_command, flag, value, line, why) => {
    await expectRejected(await snowpatrol(line(value)), commanderSays(flag, value, why));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Ranges and numbers: --from after --to, more days than a command takes at once, numbers out of their range.
// ---------------------------------------------------------------------------------------------------------------

const RANGES: [string, string[], string][] = [
  [
    'ingest: --from after --to',
    ['ingest', '--source', 'demo', '--from', '2026-03-10', '--to', '2026-03-01'],
    '--from 2026-03-10 is after --to 2026-03-01',
  ],
  [
    'check-data: --from after --to',
    ['check-data', '--source', 'demo', '--from', '2026-03-10', '--to', '2026-03-01'],
    '--from 2026-03-10 is after --to 2026-03-01',
  ],
  [
    'backtest: --from after --to',
    ['backtest', '--source', 'demo', '--from', '2026-03-10', '--to', '2026-03-01'],
    '--from 2026-03-10 is after --to 2026-03-01',
  ],
  [
    'anomalies: --from after --to',
    ['anomalies', '--from', '2026-03-10', '--to', '2026-03-01'],
    '--from 2026-03-10 is after --to 2026-03-01',
  ],
  [
    'schedules backfill: --from after --to',
    ['schedules', 'backfill', '--from', '2026-03-10', '--to', '2026-03-01'],
    '--from 2026-03-10 is after --to 2026-03-01',
  ],
  [
    'ingest: over 1460 days',
    ['ingest', '--source', 'demo', '--from', '2020-01-01', '--to', '2026-03-01'],
    '--from 2020-01-01 → --to 2026-03-01 is 2252 days; at most 1460 at once',
  ],
  [
    'schedules backfill: over 1460 as-of days',
    ['schedules', 'backfill', '--from', '2020-01-01', '--to', '2026-03-01'],
    '--from 2020-01-01 → --to 2026-03-01 is 2252 days; at most 1460 at once',
  ],
  [
    'backtest: over 3660 days',
    ['backtest', '--source', 'demo', '--from', '2000-01-01', '--to', '2026-03-01'],
    '--from 2000-01-01 → --to 2026-03-01 is more than 3660 days',
  ],
];

const NUMBERS: [string, string[], string][] = [
  [
    'run --history-days over 1460',
    ['run', '--history-days', '1461'],
    commanderSays('--history-days <n>', '1461', 'expected a whole number from 14 to 1460, got "1461"'),
  ],
  [
    'run --score-days 0',
    ['run', '--score-days', '0'],
    commanderSays('--score-days <n>', '0', 'expected a whole number from 1 to 366, got "0"'),
  ],
  [
    'demo --score-days not a number',
    ['demo', '--score-days', 'ten'],
    commanderSays('--score-days <n>', 'ten', 'expected a whole number from 1 to 366, got "ten"'),
  ],
  [
    'backtest --training-days 13',
    ['backtest', '--training-days', '13'],
    commanderSays('--training-days <n>', '13', 'expected a whole number from 14 to 730, got "13"'),
  ],
  [
    'backtest --retrain-every 1.5',
    ['backtest', '--retrain-every', '1.5'],
    commanderSays('--retrain-every <n>', '1.5', 'expected a whole number from 1 to 365, got "1.5"'),
  ],
  [
    'backtest --directions up',
    ['backtest', '--directions', 'up'],
    commanderSays('--directions <which>', 'up', 'expected one of spikes, drops, both, got "up"'),
  ],
  [
    'snooze --days 91',
    ['snooze', 'ACME_PROD.ETL_WH', '--days', '91'],
    commanderSays('--days <n>', '91', 'expected a whole number from 1 to 90, got "91"'),
  ],
  [
    'snooze --days -1',
    ['snooze', 'ACME_PROD.ETL_WH', '--days=-1'],
    commanderSays('--days <n>', '-1', 'expected a whole number from 1 to 90, got "-1"'),
  ],
  [
    'replay --limit 0',
    ['replay', '--query', "WorkflowType='x'", '--limit', '0'],
    commanderSays('--limit <n>', '0', 'expected a whole number from 1 to 10000, got "0"'),
  ],
  [
    'anomalies feedback: id not a number',
    ['anomalies', 'feedback', 'abc', 'confirmed'],
    'snowpatrol: expected a whole number from 1 to 2147483647, got "abc"',
  ],
  [
    'anomalies feedback: unknown verdict',
    ['anomalies', 'feedback', '1', 'maybe'],
    'snowpatrol: verdict must be one of confirmed, false_positive, expected_change, got "maybe"',
  ],
  [
    'models show: version v0',
    ['models', 'show', 'ACME_PROD.ETL_WH', 'v0'],
    'snowpatrol: expected a whole number from 1 to 1000000, got "0"',
  ],
  ['unknown option', ['run', '--histroy-days', '30'], "error: unknown option '--histroy-days'"],
  ['unknown command', ['injest'], "error: unknown command 'injest'"],
  ['ingest without --source', ['ingest'], "error: required option '--source <spec>' not specified"],
];

describe('ranges and numbers', () => {
  test.each([...RANGES, ...NUMBERS])('%s', async (_label, args, message) => {
    await expectRejected(await snowpatrol(args), message);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Warehouses that do not exist, and ids and names that match nothing.
// ---------------------------------------------------------------------------------------------------------------

const UNKNOWN: [string, string[], string][] = [
  [
    'models show',
    ['models', 'show', 'NOPE.WH'],
    'snowpatrol: no model for warehouse NOPE.WH (names look like ACCOUNT.WAREHOUSE',
  ],
  [
    'models show: no such version',
    ['models', 'show', 'ACME_PROD.ETL_WH', '99'],
    'snowpatrol: warehouse ACME_PROD.ETL_WH has no model version 99',
  ],
  [
    'models list --warehouse',
    ['models', 'list', '--warehouse', 'NOPE.WH'],
    'snowpatrol: no model for warehouse NOPE.WH (names look like ACCOUNT.WAREHOUSE',
  ],
  ['models promote', ['models', 'promote', 'NOPE.WH', '1'], 'snowpatrol: warehouse NOPE.WH has no model version 1'],
  ['models rollback', ['models', 'rollback', 'NOPE.WH'], 'snowpatrol: NOPE.WH has no earlier champion to roll back to'],
  [
    'snooze',
    ['snooze', 'nope.wh'],
    'snowpatrol: unknown warehouse "NOPE.WH": snowpatrol has no metering, model or anomaly of it (names look like ACCOUNT.WAREHOUSE, e.g. ACME_',
  ],
  ['snooze: an empty name', ['snooze', ''], 'snowpatrol: unknown warehouse ""'],
  [
    'anomalies feedback: no such anomaly',
    ['anomalies', 'feedback', '999999', 'confirmed'],
    'snowpatrol: no anomaly with id 999999',
  ],
  [
    'data-ready: no run that day',
    ['data-ready', '--as-of', '2026-03-01'],
    'snowpatrol: no pipeline run for 2026-03-01 (workflow snowpatrol-pipeline-2026-03-01 not found)',
  ],
  [
    'status: no such workflow',
    ['status', 'snowpatrol-pipeline-2026-03-01'],
    'snowpatrol: workflow not found for ID: snowpatrol-pipeline-2026-03-01',
  ],
  [
    'status: an empty id',
    ['status', ''],
    'snowpatrol: status needs a workflow id, e.g. snowpatrol-pipeline-2026-11-20',
  ],
  [
    'schedules backfill: no such schedule',
    ['schedules', 'backfill', '--from', '2026-03-01', '--to', '2026-03-02'],
    'snowpatrol: no schedule "snowpatrol-daily-pipeline" (see `snowpatrol schedules list`; `snowpatrol schedules apply` creates the declared ones)',
  ],
  ['schedules describe: no such schedule', ['schedules', 'describe', 'nope'], 'snowpatrol: no schedule "nope"'],
  ['schedules trigger: no such schedule', ['schedules', 'trigger', 'nope'], 'snowpatrol: no schedule "nope"'],
];

describe('warehouses, ids and schedules that do not exist', () => {
  test.each(UNKNOWN)('%s', async (_label, args, message) => {
    await expectRejected(await snowpatrol(args), message);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Sources: unknown schemes, a missing file, Snowflake without settings.
// ---------------------------------------------------------------------------------------------------------------

const SOURCE_SCHEME = (spec: string) =>
  commanderSays('--source <spec>', spec, `expected "snowflake", "demo" or "csv:<path>", got ${JSON.stringify(spec)}`);
const NEEDS_SNOWFLAKE =
  'snowpatrol: source "snowflake" needs SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER and SNOWFLAKE_PRIVATE_KEY_PATH (or SNOWFLAKE_PASSWORD)';

describe('sources', () => {
  test.each<[string, string[], string, Record<string, string>?]>([
    ['ingest --source ftp:x', ['ingest', '--source', 'ftp:x'], SOURCE_SCHEME('ftp:x')],
    ['ingest --source csv: (no path)', ['ingest', '--source', 'csv:'], SOURCE_SCHEME('csv:')],
    ['run --source oracle', ['run', '--source', 'oracle'], SOURCE_SCHEME('oracle')],
    ['backtest --source Snowflake (case)', ['backtest', '--source', 'Snowflake'], SOURCE_SCHEME('Snowflake')],
    ['check-data --source "" (empty)', ['check-data', '--source', ''], SOURCE_SCHEME('')],
    [
      'SNOWPATROL_SOURCE=ftp:x',
      ['anomalies'],
      'SNOWPATROL_SOURCE: expected "snowflake", "demo" or "csv:<path>", got "ftp:x"',
      { SNOWPATROL_SOURCE: 'ftp:x' },
    ],
    [
      'ingest --source snowflake, not configured',
      ['ingest', '--source', 'snowflake', '--from', '2026-03-01'],
      NEEDS_SNOWFLAKE,
    ],
    [
      'run --source snowflake, not configured',
      ['run', '--source', 'snowflake', '--as-of', '2026-03-02'],
      NEEDS_SNOWFLAKE,
    ],
  ])('%s', async (_label, args, message, env = {}) => {
    await expectRejected(await snowpatrol(args, env), message);
  });

  test.each([
    ['ingest', (f: string) => ['ingest', '--source', `csv:${f}`, '--from', '2026-03-01', '--to', '2026-03-02']],
    ['run', (f: string) => ['run', '--source', `csv:${f}`, '--as-of', '2026-03-02']],
    ['backtest', (f: string) => ['backtest', '--source', `csv:${f}`, '--from', '2026-03-01', '--to', '2026-03-02']],
  ])('%s --source csv:<a file that does not exist>', async (_command, line) => {
    const missing = path.join(dir, 'no-such-export.csv');
    await expectRejected(
      await snowpatrol(line(missing)),
      `snowpatrol: cannot read ${missing}: ENOENT: no such file or directory`,
    );
  });

  test('SNOWPATROL_SOURCE=csv:<a file that does not exist> as the default source of run', async () => {
    const missing = path.join(dir, 'no-such-default.csv');
    await expectRejected(
      await snowpatrol(['run', '--as-of', '2026-03-02'], { SNOWPATROL_SOURCE: `csv:${missing}` }),
      `snowpatrol: cannot read ${missing}: ENOENT`,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// CSV exports: each bad file through `snowpatrol ingest --source csv:<file>`, named by line and column, before any
// workflow starts (so no failure alert either).
// ---------------------------------------------------------------------------------------------------------------

/** Three hourly rows of ETL_WH, one a day from 2026-03-01: lines 2, 3 and 4 of the file. */
const threeRows = (override: Partial<CsvMeteringRow> = {}, at = 1): CsvMeteringRow[] =>
  ['2026-03-01', '2026-03-02', '2026-03-03'].map((day, i) => csvRow(day, i === at ? override : {}));

const TEN_MB = 10 * 1024 * 1024;

/** Each case: what to write, and what the message must say after `<file>`. */
const CSV_CASES: [string, () => string | Buffer, string][] = [
  ['an empty file', () => '', ' is empty (no header row)'],
  ['only blank lines', () => '\n\n\n', ' is empty (no header row)'],
  [
    'a missing column',
    () =>
      csvText(threeRows(), [
        'START_TIME',
        'END_TIME',
        'WAREHOUSE_ID',
        'WAREHOUSE_NAME',
        'CREDITS_USED',
        'CREDITS_USED_COMPUTE',
      ]),
    ' line 1 (the header): missing column(s) CREDITS_USED_CLOUD_SERVICES',
  ],
  [
    'semicolons instead of commas',
    () => csvText(threeRows()).replaceAll(',', ';'),
    ' line 1 (the header): missing column(s) START_TIME, END_TIME, WAREHOUSE_ID, WAREHOUSE_NAME, CREDITS_USED, CREDITS_USED_COMPUTE, CREDITS_USED_CLOUD_SERVICES',
  ],
  [
    'JSON, not CSV',
    () => '{"START_TIME": "2026-03-01"}\n',
    ': Invalid Opening Quote: a quote is found on field 0 at line 1',
  ],
  [
    'credits that are text',
    () => csvText(threeRows({ CREDITS_USED: 'lots' })),
    ' line 3: CREDITS_USED "lots" is not a number',
  ],
  [
    'a warehouse id that is not an integer',
    () => csvText(threeRows({ WAREHOUSE_ID: '12x' })),
    ' line 3: WAREHOUSE_ID "12x" is not an integer',
  ],
  [
    'a start time that is not a timestamp',
    () => csvText(threeRows({ START_TIME: 'yesterday' })),
    ' line 3: START_TIME "yesterday" is not a timestamp',
  ],
  [
    'an impossible timestamp',
    () => csvText(threeRows({ END_TIME: '2026-02-30 08:00:00.000 +0000' })),
    ' line 3: END_TIME "2026-02-30 08:00:00.000 +0000" is not a timestamp',
  ],
  [
    'an end before the start',
    () => csvText(threeRows({ END_TIME: '2026-03-02 06:00:00.000 +0000' })),
    ' line 3: END_TIME is not after START_TIME',
  ],
  ['negative credits', () => csvText(threeRows({ CREDITS_USED: '-1.5' })), ' line 3: CREDITS_USED "-1.5" is negative'],
  [
    'negative compute credits',
    () => csvText(threeRows({ CREDITS_USED_COMPUTE: '-0.01' }, 2)),
    ' line 4: CREDITS_USED_COMPUTE "-0.01" is negative',
  ],
  ['NaN credits', () => csvText(threeRows({ CREDITS_USED: 'NaN' })), ' line 3: CREDITS_USED "NaN" is not a number'],
  [
    'Infinity credits',
    () => csvText(threeRows({ CREDITS_USED: 'Infinity' })),
    ' line 3: CREDITS_USED "Infinity" is not a number',
  ],
  [
    'credits beyond a double (1e999)',
    () => csvText(threeRows({ CREDITS_USED_CLOUD_SERVICES: '1e999' })),
    ' line 3: CREDITS_USED_CLOUD_SERVICES "1e999" is not a number',
  ],
  ['empty credits', () => csvText(threeRows({ CREDITS_USED: '' })), ' line 3: CREDITS_USED "" is not a number'],
  ['an empty warehouse name', () => csvText(threeRows({ WAREHOUSE_NAME: ' ' })), ' line 3: WAREHOUSE_NAME is empty'],
  [
    'a duplicate row',
    () => csvText([...threeRows(), csvRow('2026-03-01')]),
    ' line 5: repeats line 2: same ACCOUNT_NAME, WAREHOUSE_ID and START_TIME (DEFAULT, 101, 2026-03-01T07:00:00.000Z)',
  ],
  [
    'a row repeating an hour with other credits',
    () => csvText([...threeRows(), csvRow('2026-03-02', { CREDITS_USED: '9' })]),
    ' line 5: repeats line 3: same ACCOUNT_NAME, WAREHOUSE_ID and START_TIME (DEFAULT, 101, 2026-03-02T07:00:00.000Z)',
  ],
  [
    'the same hour written in another time zone',
    () =>
      csvText([
        ...threeRows(),
        csvRow('2026-03-02', {
          START_TIME: '2026-03-01 23:00:00.000 -0800',
          END_TIME: '2026-03-02 00:00:00.000 -0800',
        }),
      ]),
    ' line 5: repeats line 3',
  ],
  [
    'a 10 MB line',
    () => `${csvText(threeRows())}${'9'.repeat(TEN_MB)}\n`,
    ` line 5: longer than ${MAX_CSV_RECORD_SIZE} characters, so not a metering row (is this a WAREHOUSE_METERING_HISTORY export?)`,
  ],
  [
    'a 10 MB header',
    () => `${'START_TIME,'.repeat(TEN_MB / 11)}\n`,
    ` line 1: longer than ${MAX_CSV_RECORD_SIZE} characters`,
  ],
  [
    'Latin-1 bytes in a warehouse name',
    () => Buffer.from(csvText(threeRows({ WAREHOUSE_NAME: 'CAFÉ_WH' })), 'latin1'),
    ' line 3: WAREHOUSE_NAME "CAF\uFFFD_WH" is not UTF-8 text (save the export as UTF-8, e.g. CSV UTF-8 in Excel)',
  ],
  [
    'UTF-16 text (Excel "Unicode Text")',
    () => Buffer.from(`\uFEFF${csvText(threeRows())}`, 'utf16le'),
    ' is UTF-16 text (it starts with a UTF-16 byte order mark): save it as UTF-8',
  ],
  [
    'a row with an extra field',
    () => csvText(threeRows()).replace('ETL_WH,1.06,1,0.06\n2026-03-02', 'ETL_WH,1.06,1,0.06,7\n2026-03-02'),
    ': Invalid Record Length: columns length is 7, got 8 on line 2',
  ],
  [
    'an unclosed quote',
    () => `${csvText(threeRows())}"2026-03-04 07:00:00.000 +0000,x\n`,
    ': Quote Not Closed: the parsing is finished with an opening quote at line 5',
  ],
];

describe('CSV exports', () => {
  test.each(CSV_CASES)('%s', async (label, contents, message) => {
    const file = path.join(dir, `${label.replace(/\W+/g, '-')}.csv`);
    fs.writeFileSync(file, contents());
    try {
      await expectRejected(
        await snowpatrol(['ingest', '--source', `csv:${file}`, '--from', '2026-03-01', '--to', '2026-03-03']),
        `snowpatrol: ${file}${message}`,
      );
    } finally {
      fs.rmSync(file);
    }
  });

  test('a directory instead of a file', async () => {
    await expectRejected(
      await snowpatrol(['ingest', '--source', `csv:${dir}`, '--from', '2026-03-01']),
      `snowpatrol: ${dir} is not a file`,
    );
  });

  test('a 2 GiB line fails within seconds, reading no more than the first record limit into memory', async () => {
    // A sparse file: a good header and row, then 2 GiB of NUL bytes and no line break — one enormous line.
    const file = path.join(dir, 'huge-line.csv');
    fs.writeFileSync(file, csvText([csvRow('2026-03-01')]));
    fs.truncateSync(file, 2 * 1024 ** 3);
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    try {
      await expectRejected(
        await snowpatrol(['ingest', '--source', `csv:${file}`, '--from', '2026-03-01']),
        `snowpatrol: ${file} line 3: longer than ${MAX_CSV_RECORD_SIZE} characters`,
      );
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 ** 2);
    } finally {
      fs.rmSync(file);
    }
  });

  test('a UTF-8 byte order mark is not bad input: the export validates, and backtest reads it', async () => {
    const rows = ['2026-03-01', '2026-03-02'].flatMap((day) => [
      csvRow(day),
      csvRow(day, { WAREHOUSE_ID: '102', WAREHOUSE_NAME: 'BI_WH' }),
    ]);
    const file = path.join(dir, 'bom.csv');
    fs.writeFileSync(file, `\uFEFF${csvText(rows)}`);
    // A plain export: the fast reader takes it, byte order mark and all.
    await expect(validateCsvExport(file)).resolves.toBe('fast');
    const result = await snowpatrol([
      'backtest',
      '--source',
      `csv:${file}`,
      '--from',
      '2026-03-02',
      '--to',
      '2026-03-02',
      '--no-compare',
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The config file (SNOWPATROL_CONFIG) and the environment: every problem named by its key or variable.
// ---------------------------------------------------------------------------------------------------------------

const CONFIG_FILES: [string, string, string][] = [
  ['invalid JSON', '{"slack": {"routes": [}', 'is not valid JSON'],
  ['an empty file', '', 'Unexpected end of JSON input'],
  ['an unknown key', '{"slak": {"routes": []}}', ': (top level): Unrecognized key: "slak"'],
  [
    'an unknown key in a route',
    '{"slack": {"routes": [{"channel": "c", "prefix": "A", "chanel": "x"}]}}',
    ': slack.routes.0: Unrecognized key: "chanel"',
  ],
  [
    'routes that are not a list',
    '{"slack": {"routes": "#cost"}}',
    ': slack.routes: Invalid input: expected array, received string',
  ],
  [
    'a route without a matcher',
    '{"slack": {"routes": [{"channel": "c"}]}}',
    ': slack.routes.0: needs exactly one of "warehouses", "prefix" or "pattern"',
  ],
  [
    'a route pattern that is not a regular expression',
    '{"slack": {"routes": [{"channel": "c", "pattern": "(["}]}}',
    ': slack.routes.0.pattern: is not a valid regular expression',
  ],
  ['a JSON array', '[]', ': (top level): Invalid input: expected object, received array'],
];

describe('the config file', () => {
  test.each(CONFIG_FILES)('%s', async (label, text, message) => {
    const file = path.join(dir, `${label.replace(/\W+/g, '-')}.json`);
    fs.writeFileSync(file, text);
    try {
      const result = await snowpatrol(['anomalies'], { SNOWPATROL_CONFIG: file });
      await expectRejected(result, 'snowpatrol: invalid configuration:');
      expect(result.stderr).toContain(file);
      expect(result.stderr).toContain(message);
    } finally {
      fs.rmSync(file);
    }
  });

  test('SNOWPATROL_CONFIG naming a file that does not exist', async () => {
    const missing = path.join(dir, 'no-such-config.json');
    await expectRejected(
      await snowpatrol(['anomalies'], { SNOWPATROL_CONFIG: missing }),
      `SNOWPATROL_CONFIG: cannot read ${missing}: no such file`,
    );
  });
});

const NO_KEY = path.join(os.tmpdir(), 'snowpatrol-no-such-key.p8');
const SNOWFLAKE_BASE = { SNOWFLAKE_ACCOUNT: 'myorg-acme', SNOWFLAKE_USER: 'SNOWPATROL_SVC', SNOWFLAKE_PASSWORD: 'pw' };

const ENV_CASES: [string, Record<string, string>, string][] = [
  [
    'a percentage that is not a number',
    { SNOWPATROL_MIN_EXCESS_PERCENT: 'abc' },
    'SNOWPATROL_MIN_EXCESS_PERCENT: expected a number from 0 to 10000, got "abc"',
  ],
  [
    'a threshold of Infinity',
    { SNOWPATROL_THRESHOLD_K: 'Infinity' },
    'SNOWPATROL_THRESHOLD_K: expected a number from 0 to 10, got "Infinity"',
  ],
  [
    'a fractional seed',
    { SNOWPATROL_MODEL_SEED: '1.5' },
    'SNOWPATROL_MODEL_SEED: expected a whole number from 0 to 4294967295, got "1.5"',
  ],
  [
    'alert directions "up"',
    { SNOWPATROL_ALERT_DIRECTIONS: 'up' },
    'SNOWPATROL_ALERT_DIRECTIONS: expected one of spikes, drops, both, got "up"',
  ],
  [
    'a promotion gate "maybe"',
    { SNOWPATROL_PROMOTION_GATE: 'maybe' },
    'SNOWPATROL_PROMOTION_GATE: expected on or off, got "maybe"',
  ],
  [
    'a schedule that is not cron',
    { SNOWPATROL_SCHEDULE_PIPELINE: 'not a cron' },
    'SNOWPATROL_SCHEDULE_PIPELINE: expected a 5-field cron expression like "0 7 * * *" (UTC) or "off", got "not a cron"',
  ],
  [
    'a cron hour 24',
    { SNOWPATROL_SCHEDULE_PIPELINE: '0 24 * * *' },
    'SNOWPATROL_SCHEDULE_PIPELINE: hour 24 is out of range 0-23 in "0 24 * * *"',
  ],
  [
    'a cron minute 99',
    { SNOWPATROL_SCHEDULE_RETRAIN: '99 6 * * 1' },
    'SNOWPATROL_SCHEDULE_RETRAIN: minute 99 is out of range 0-59 in "99 6 * * 1"',
  ],
  [
    'a catch-up window "forever"',
    { SNOWPATROL_SCHEDULE_CATCHUP_WINDOW: 'forever' },
    'SNOWPATROL_SCHEDULE_CATCHUP_WINDOW: expected a duration like "1 day" or "6 hours", got "forever"',
  ],
  [
    'an overlap policy "sometimes"',
    { SNOWPATROL_SCHEDULE_OVERLAP: 'sometimes' },
    'SNOWPATROL_SCHEDULE_OVERLAP: expected one of skip, buffer_one, buffer_all, cancel_other, terminate_other, allow_all, got "sometimes"',
  ],
  [
    'a mysql:// DATABASE_URL',
    { DATABASE_URL: 'mysql://db/x' },
    'DATABASE_URL: must start with postgres:// or postgresql://',
  ],
  [
    'a DATABASE_URL without a host',
    { DATABASE_URL: 'postgres://' },
    'DATABASE_URL: is not a valid URL; expected postgres://USER:PASSWORD@HOST:PORT/DATABASE',
  ],
  [
    'a DATABASE_URL with a port that is not a number',
    { DATABASE_URL: 'postgres://u:sekrit-pw@db:port/x' },
    'DATABASE_URL: is not a valid URL',
  ],
  [
    'a metrics port over 65535',
    { SNOWPATROL_METRICS_PORT: '70000' },
    'SNOWPATROL_METRICS_PORT: must be a port number from 1 to 65535, got "70000"',
  ],
  [
    'a dev server port over 65535',
    { SNOWPATROL_DEV_SERVER_PORT: '70000' },
    'SNOWPATROL_DEV_SERVER_PORT: must be a port number from 1 to 65535, got "70000"',
  ],
  [
    'a Web UI port that is not a number',
    { SNOWPATROL_DEV_SERVER_UI_PORT: 'http' },
    'SNOWPATROL_DEV_SERVER_UI_PORT: must be a port number from 1 to 65535, got "http"',
  ],
  ['a Slack port 0', { SLACK_PORT: '0' }, 'SLACK_PORT: must be a port number (1-65535), got "0"'],
  [
    'a Temporal address without a port',
    { TEMPORAL_ADDRESS: 'temporal.example.com' },
    'TEMPORAL_ADDRESS: must be host:port',
  ],
  [
    'a Temporal port over 65535',
    { TEMPORAL_ADDRESS: 'localhost:99999' },
    'TEMPORAL_ADDRESS: port must be 1-65535, got "localhost:99999"',
  ],
  ['TEMPORAL_TLS "maybe"', { TEMPORAL_TLS: 'maybe' }, 'TEMPORAL_TLS: must be true or false, got "maybe"'],
  ['a log switch "maybe"', { SNOWPATROL_LOG_JSON: 'maybe' }, 'SNOWPATROL_LOG_JSON: must be true or false, got "maybe"'],
  [
    'zero concurrent activities',
    { SNOWPATROL_MAX_CONCURRENT_ACTIVITIES: '0' },
    'SNOWPATROL_MAX_CONCURRENT_ACTIVITIES: must be a positive whole number, got "0"',
  ],
  ['a Web UI URL that is not a URL', { SNOWPATROL_WEB_UI_URL: 'localhost 8233' }, 'SNOWPATROL_WEB_UI_URL: Invalid URL'],
  [
    'a negative price',
    { SNOWPATROL_PRICE_PER_CREDIT: '-3' },
    'SNOWPATROL_PRICE_PER_CREDIT: must be a positive number, got "-3"',
  ],
  [
    'a currency "dollars"',
    { SNOWPATROL_CURRENCY: 'dollars' },
    'SNOWPATROL_CURRENCY: expected a 3-letter code like USD, got "DOLLARS"',
  ],
  [
    'Snowflake: an account alone',
    { SNOWFLAKE_ACCOUNT: 'myorg-acme' },
    'SNOWFLAKE_USER: required when Snowflake is configured',
  ],
  [
    'Snowflake: a password alone',
    { SNOWFLAKE_PASSWORD: 'pw' },
    'SNOWFLAKE_ACCOUNT: required when Snowflake is configured (e.g. myorg-myaccount)',
  ],
  [
    'Snowflake: both a password and a key',
    { ...SNOWFLAKE_BASE, SNOWFLAKE_PRIVATE_KEY_PATH: NO_KEY },
    'SNOWFLAKE_PASSWORD and SNOWFLAKE_PRIVATE_KEY_PATH are both set: choose one (key-pair is recommended)',
  ],
  [
    'Snowflake: a key file that does not exist',
    { SNOWFLAKE_ACCOUNT: 'myorg-acme', SNOWFLAKE_USER: 'U', SNOWFLAKE_PRIVATE_KEY_PATH: NO_KEY },
    `SNOWFLAKE_PRIVATE_KEY_PATH: cannot read ${NO_KEY} (ENOENT)`,
  ],
  [
    'Snowflake: an account with a space',
    { ...SNOWFLAKE_BASE, SNOWFLAKE_ACCOUNT: 'my org' },
    'SNOWFLAKE_ACCOUNT: "my org" is not an account identifier',
  ],
  [
    'Snowflake: an unknown usage schema',
    { ...SNOWFLAKE_BASE, SNOWFLAKE_USAGE_SCHEMA: 'INFORMATION_SCHEMA' },
    'SNOWFLAKE_USAGE_SCHEMA: expected ORGANIZATION_USAGE or ACCOUNT_USAGE, got "INFORMATION_SCHEMA"',
  ],
  [
    'Snowflake: a query timeout "abc"',
    { ...SNOWFLAKE_BASE, SNOWFLAKE_QUERY_TIMEOUT_SECONDS: 'abc' },
    'SNOWFLAKE_QUERY_TIMEOUT_SECONDS: must be a positive whole number of seconds, got "abc"',
  ],
  [
    'Snowflake: an access URL that is not http(s)',
    { ...SNOWFLAKE_BASE, SNOWFLAKE_ACCESS_URL: 'ftp://acme' },
    'SNOWFLAKE_ACCESS_URL: "ftp://acme" is not a URL',
  ],
  [
    'Slack: a user token as the bot token',
    { SLACK_BOT_TOKEN: 'xoxp-123', SLACK_CHANNEL: 'C1' },
    'SLACK_BOT_TOKEN: must be a bot token (starts with xoxb-; find it under OAuth & Permissions)',
  ],
  [
    'Slack: a bot token without a channel',
    { SLACK_BOT_TOKEN: 'xoxb-123' },
    'SLACK_CHANNEL: required with SLACK_BOT_TOKEN',
  ],
];

describe('environment settings', () => {
  test.each(ENV_CASES)('%s', async (_label, env, message) => {
    const result = await snowpatrol(['anomalies'], env);
    await expectRejected(result, `snowpatrol: invalid configuration:\n`);
    expect(result.stderr).toContain(`  - ${message}`);
    // Secret values are never echoed back.
    for (const secret of ['sekrit-pw', 'xoxp-123', 'xoxb-123']) expect(result.stderr).not.toContain(secret);
  });

  test('every bad variable at once, one line each', async () => {
    const result = await snowpatrol(['run'], {
      SNOWPATROL_MIN_EXCESS_PERCENT: 'abc',
      SNOWPATROL_SCHEDULE_PIPELINE: 'not a cron',
      DATABASE_URL: 'mysql://x',
      SLACK_PORT: 'abc',
    });
    await expectRejected(result, 'snowpatrol: invalid configuration:\n');
    expect(
      result.stderr
        .split('\n')
        .filter((l) => l.startsWith('  - '))
        .map((l) => l.split(':')[0]),
    ).toEqual([
      '  - DATABASE_URL',
      '  - SNOWPATROL_SCHEDULE_PIPELINE',
      '  - SNOWPATROL_MIN_EXCESS_PERCENT',
      '  - SLACK_PORT',
    ]);
  });

  test.each([
    [
      'nothing listening',
      'postgres://postgres@127.0.0.1:1/snowpatrol',
      'cannot connect to the database (DATABASE_URL postgres://127.0.0.1:1/snowpatrol): connect ECONNREFUSED 127.0.0.1:1',
    ],
    [
      'a database that does not exist',
      'postgres://postgres@127.0.0.1:5432/snowpatrol_no_such_db',
      'cannot connect to the database (DATABASE_URL postgres://127.0.0.1:5432/snowpatrol_no_such_db): database "snowpatrol_no_such_db" does not exist',
    ],
  ])('a DATABASE_URL with %s', async (_label, url, message) => {
    await expectRejected(await snowpatrol(['models'], { DATABASE_URL: url }), `snowpatrol: ${message}`);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The real process: replay of files that are not histories, and a sample of the table above.
// ---------------------------------------------------------------------------------------------------------------

const HISTORY = path.resolve(__dirname, '../histories/scoreAnomalies.json');
const processEnv = (extra: Record<string, string> = {}) => isolatedEnv({ ...baseEnv(), ...extra });

describe('the snowpatrol process', () => {
  test('replay names every file that is not a workflow history, and replays none of them', async () => {
    const recorded = fs.readFileSync(HISTORY, 'utf8');
    const files: [string, string, string][] = [
      ['random.json', '{"hello": "world"}', 'not a workflow history: expected a JSON object with an "events" array'],
      ['array.json', '[1, 2, 3]', 'not a workflow history: expected a JSON object with an "events" array'],
      ['empty.json', '', 'not valid JSON (Unexpected end of JSON input)'],
      ['truncated.json', recorded.slice(0, Math.floor(recorded.length / 2)), 'not valid JSON ('],
      ['no-events.json', '{"events": []}', 'not a workflow history: it has no events'],
      [
        'no-start.json',
        JSON.stringify({ events: (JSON.parse(recorded) as { events: unknown[] }).events.slice(1) }),
        'not a complete workflow history: the first event is not WorkflowExecutionStarted',
      ],
    ];
    for (const [name, text] of files) fs.writeFileSync(path.join(dir, name), text);
    const missing = path.join(dir, 'no-such-history.json');

    const result = await runCli(['replay', ...files.map(([name]) => path.join(dir, name)), missing], processEnv());

    await expectRejected(result, `snowpatrol: ${files.length + 1} history files could not be used:\n`);
    for (const [name, , why] of files) expect(result.stderr).toContain(`  ${path.join(dir, name)}: ${why}`);
    expect(result.stderr).toContain(`  ${missing}: cannot read it (no such file)`);
  });

  test('replay of a history of a workflow type this worker does not have: exit 1, naming the type', async () => {
    const unknown = path.join(dir, 'unknown-type.json');
    fs.writeFileSync(unknown, fs.readFileSync(HISTORY, 'utf8').replaceAll('"scoreAnomalies"', '"noSuchWorkflow"'));

    const result = await runCli(['replay', unknown], processEnv());

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^✗ ${unknown} — .*noSuchWorkflow`, 'm'));
    expect(result.stdout).toContain('1 of 1 failed to replay');
    expect(result.stderr).toBe('');
    expect(await tableFingerprints(sql)).toEqual(baseline);
    expect(await workflowIds()).toEqual([]);
  });

  test.each<[string, string[], Record<string, string>, string]>([
    [
      'a bad date',
      ['run', '--as-of', '2026-02-30'],
      {},
      commanderSays('--as-of <date>', '2026-02-30', 'expected a date like 2026-11-20, got "2026-02-30"'),
    ],
    [
      'a bad setting',
      ['anomalies'],
      { SNOWPATROL_MIN_EXCESS_PERCENT: 'abc' },
      'snowpatrol: invalid configuration:\n  - SNOWPATROL_MIN_EXCESS_PERCENT: expected a number from 0 to 10000, got "abc"',
    ],
    ['an unknown warehouse', ['snooze', 'NOPE.WH'], {}, 'snowpatrol: unknown warehouse "NOPE.WH"'],
  ])('%s exits 1 with the same line as in-process', async (_label, args, env, message) => {
    await expectRejected(await runCli(args, processEnv(env)), message);
  });

  test('a bad CSV row through the real process: exit 1, line and column named, nothing started', async () => {
    const file = path.join(dir, 'process-dup.csv');
    fs.writeFileSync(file, csvText([...threeRows(), csvRow('2026-03-03')]));
    await expectRejected(
      await runCli(['ingest', '--source', `csv:${file}`, '--from', '2026-03-01', '--to', '2026-03-03'], processEnv()),
      `snowpatrol: ${file} line 5: repeats line 4: same ACCOUNT_NAME, WAREHOUSE_ID and START_TIME`,
    );
  });
});
