/**
 * `snowpatrol backtest` as a user runs it: the real CLI in a child process, straight off a source — no database,
 * no Temporal. The demo organisation and a small WAREHOUSE_METERING_HISTORY export with one obvious spike.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addDays, eachDay, isIsoDate, weekday } from '../../schemas/dates';
import { csvRow, csvText, writeFile, type CsvMeteringRow } from '../fixtures/csv-export';
import { isolatedEnv, runCli } from '../helpers/cli';

const FROM = '2026-05-01';
const TO = '2026-08-31';
const DEMO_ARGS = ['backtest', '--source', 'demo', '--from', FROM, '--to', TO];

/** The CSV export: ETL_WH of ACME_CSV, five night hours a day, 120 days, ~5× the usual spend on SPIKE_DAY. */
const CSV_FROM = '2026-01-01';
const CSV_TO = '2026-04-30';
const SPIKE_DAY = '2026-04-14';
const CSV_WH = 'ACME_CSV.ETL_WH';

interface FlagJson {
  warehouse: string;
  usageDate: string;
  score: number;
  threshold: number;
  actual: number;
  expected: number;
  excessCredits: number;
  excessCost: number | null;
  direction: string;
  severity: string;
}

let home: string;
let env: NodeJS.ProcessEnv;
let csvFile: string;
let demoFlags: FlagJson[];

/** A deterministic ±5 % wobble per day and hour. */
function wobble(day: string, hour: number): number {
  const x = Math.sin(Date.parse(day) / 86_400_000 + hour * 7.13) * 10_000;
  return 0.95 + 0.1 * (x - Math.floor(x));
}

function exportRows(): CsvMeteringRow[] {
  return eachDay(CSV_FROM, CSV_TO).flatMap((day) =>
    [1, 2, 3, 4, 5].map((hour) => {
      const base = 4 * (weekday(day) >= 5 ? 0.6 : 1) * wobble(day, hour) * (day === SPIKE_DAY ? 5 : 1);
      const compute = Math.round(base * 1e6) / 1e6;
      const cloud = Math.round(compute * 0.06 * 1e6) / 1e6;
      const hh = String(hour).padStart(2, '0');
      const end = String(hour + 1).padStart(2, '0');
      return csvRow(day, {
        ACCOUNT_NAME: 'ACME_CSV',
        START_TIME: `${day} ${hh}:00:00.000 +0000`,
        END_TIME: `${day} ${end}:00:00.000 +0000`,
        CREDITS_USED: (compute + cloud).toFixed(6),
        CREDITS_USED_COMPUTE: compute.toFixed(6),
        CREDITS_USED_CLOUD_SERVICES: cloud.toFixed(6),
      });
    }),
  );
}

beforeAll(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-home-'));
  env = isolatedEnv({ SNOWPATROL_HOME: home });
  csvFile = writeFile(home, 'metering.csv', csvText(exportRows()));
});

afterAll(() => {
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

const csvArgs = (...more: string[]) => [
  'backtest',
  '--source',
  `csv:${csvFile}`,
  '--from',
  '2026-03-15',
  '--to',
  CSV_TO,
  '--training-days',
  '60',
  ...more,
];

test('the CLI runs isolated: no database URL, no Temporal address, a temporary home', () => {
  expect(env.DATABASE_URL).toBeUndefined();
  expect(Object.keys(env).filter((k) => k.startsWith('TEMPORAL_') || k.startsWith('SNOWPATROL_'))).toEqual([
    'SNOWPATROL_HOME',
  ]);
  expect(env.SNOWPATROL_HOME?.startsWith(os.tmpdir())).toBe(true);
});

test('--json prints the flagged days, typed, inside the range, spikes by default', async () => {
  const run = await runCli([...DEMO_ARGS, '--json'], env);

  expect(run.code).toBe(0);
  demoFlags = JSON.parse(run.stdout) as FlagJson[];
  expect(Array.isArray(demoFlags)).toBe(true);
  expect(demoFlags.length).toBeGreaterThan(0);
  for (const f of demoFlags) {
    expect(f).toEqual({
      warehouse: expect.stringMatching(/^ACME_(PROD|DEV)\.[A-Z_]+$/),
      usageDate: expect.any(String),
      score: expect.any(Number),
      threshold: expect.any(Number),
      actual: expect.any(Number),
      expected: expect.any(Number),
      excessCredits: expect.any(Number),
      excessCost: expect.any(Number),
      direction: 'spike',
      severity: expect.stringMatching(/^(low|medium|high)$/),
    });
    expect(isIsoDate(f.usageDate)).toBe(true);
    expect(f.usageDate >= FROM && f.usageDate <= TO).toBe(true);
    expect(f.score).toBeGreaterThan(f.threshold);
    expect(f.actual).toBeGreaterThan(f.expected);
  }
  // Progress goes to stderr; nothing was stored: no embedded database was created, no Temporal server started.
  expect(run.stderr).toMatch(/backtested 6 warehouses/);
  expect(run.stderr).not.toMatch(/Temporal|dev server|Database/);
  expect(fs.existsSync(path.join(home, 'pglite'))).toBe(false);
});

test('the text form prints alerts per warehouse-month and precision for snowpatrol and SnowPatrol’s method', async () => {
  const run = await runCli(DEMO_ARGS, env);

  expect(run.code).toBe(0);
  expect(run.stdout).toContain(`Backtest of demo, ${FROM} → ${TO}: 6 warehouses`);
  expect(run.stdout).toContain('Alerts per warehouse and month:');
  expect(run.stdout).toMatch(/WAREHOUSE\s+26-05\s+26-06\s+26-07\s+26-08\s+TOTAL/);
  expect(run.stdout).toMatch(/^ACME_PROD\.ETL_WH\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+$/m);
  expect(run.stdout).toMatch(/METHOD\s+FLAGGED\s+OF DAYS\s+PRECISION\s+EVENT RECALL\s+TIME/);
  const quality = (name: string) =>
    new RegExp(`^${name}\\s+(\\d+)\\s+[\\d.]+%\\s+[\\d.]+%\\s+[\\d.]+% \\(\\d+/\\d+\\)`, 'm');
  const ours = run.stdout.match(quality('snowpatrol'));
  expect(ours).not.toBeNull();
  expect(run.stdout).toMatch(quality("SnowPatrol's method"));
  // The same flags as the JSON form.
  expect(Number(ours?.[1])).toBe(demoFlags.length);
  for (const f of demoFlags) expect(run.stdout).toMatch(new RegExp(`^${f.warehouse}\\s+${f.usageDate}\\s`, 'm'));
});

test('--directions both also flags drops', async () => {
  const run = await runCli([...DEMO_ARGS, '--directions', 'both', '--json'], env);

  expect(run.code).toBe(0);
  const flags = JSON.parse(run.stdout) as FlagJson[];
  expect(flags.filter((f) => f.direction === 'drop').length).toBeGreaterThan(0);
  expect(new Set(flags.map((f) => f.direction))).toEqual(new Set(['spike', 'drop']));
});

test('a CSV export works as a source and its obvious spike day is flagged, nothing else', async () => {
  const run = await runCli(csvArgs('--json'), env);

  expect(run.code).toBe(0);
  const flags = JSON.parse(run.stdout) as FlagJson[];
  expect(flags).toContainEqual(
    expect.objectContaining({ warehouse: CSV_WH, usageDate: SPIKE_DAY, direction: 'spike', excessCost: null }),
  );
  const spike = flags.find((f) => f.usageDate === SPIKE_DAY) as FlagJson;
  const dayCredits = exportRows()
    .filter((r) => r.START_TIME.startsWith(SPIKE_DAY))
    .reduce((sum, r) => sum + Number(r.CREDITS_USED), 0);
  expect(spike.actual).toBeCloseTo(dayCredits, 4);
  expect(spike.actual).toBeGreaterThan(2 * spike.expected);
  // Nothing else in the export is unusual.
  expect(flags.map((f) => f.usageDate)).toEqual([SPIKE_DAY]);
});

test('a --labels file gives precision and event recall', async () => {
  const labels = writeFile(home, 'labels.csv', `warehouse,usage_date,direction\n${CSV_WH},${SPIKE_DAY},spike\n`);

  const run = await runCli(csvArgs('--labels', labels), env);

  expect(run.code).toBe(0);
  expect(run.stdout).toContain('Against the labelled anomalies');
  expect(run.stdout).toMatch(/^snowpatrol\s+\d+\s+[\d.]+%\s+[\d.]+%\s+100\.0% \(1\/1\)/m);
  expect(run.stdout).toMatch(/^SnowPatrol's method\s+\d+\s+[\d.]+%\s+([\d.]+%|-)\s+[\d.]+% \(\d\/1\)/m);
});

describe('bad input exits non-zero with a message naming the problem and prints nothing on stdout', () => {
  const badLabels = () =>
    writeFile(home, 'bad-labels.csv', `warehouse,usage_date\n${CSV_WH},${SPIKE_DAY}\n${CSV_WH},2026-04-31x\n`);

  test.each<[string, () => string[], (file: string) => RegExp]>([
    [
      '--from after --to',
      () => ['backtest', '--source', 'demo', '--from', '2026-09-01', '--to', '2026-08-31'],
      () => /--from 2026-09-01 is after --to 2026-08-31/,
    ],
    [
      '--directions sideways',
      () => [...DEMO_ARGS, '--directions', 'sideways'],
      () => /--directions.*expected one of spikes, drops, both, got "sideways"/,
    ],
    [
      '--retrain-every 0',
      () => [...DEMO_ARGS, '--retrain-every', '0'],
      () => /--retrain-every.*expected a whole number from 1 to 365, got "0"/,
    ],
    [
      'a range over 3660 days',
      () => ['backtest', '--source', 'demo', '--from', addDays(TO, -3660), '--to', TO],
      () => /is more than 3660 days/,
    ],
    [
      'a labels file with a bad date',
      () => [...DEMO_ARGS, '--labels', badLabels()],
      (file) => new RegExp(`labels file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, line 3: usage_date`),
    ],
  ])('%s', async (_name, args, message) => {
    const argv = args();
    const run = await runCli(argv, env);

    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message(path.join(home, 'bad-labels.csv')));
  });
});
