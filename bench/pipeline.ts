/**
 * Benchmark of the whole pipeline at organisation scale (issue 8): a synthetic organisation of N warehouses × D
 * days of hourly metering in the Snowflake emulator (or a CSV export), a real Temporal dev server, and real
 * `snowpatrol worker` child processes on a fresh Postgres database.
 *
 *   npm run bench -- [--warehouses 1000] [--days 730] [--duty full|realistic] [--source snowflake|csv]
 *                    [--workers 1 | 2 | 1,2] [--no-notify] [--no-python] [--python-sample N]
 *                    [--no-baseline] [--no-backtest] [--seed 42] [--cpu-prof]
 *
 * What runs, in order (every process on 127.0.0.1, each stopped by its pid at the end or on error):
 * 1. the source: the emulator process (bench/pipeline-emulator.ts) loads days 1 … D, or the CSV is written;
 * 2. first run: `snowpatrolPipeline` for day D with historyDays D — loads the whole history, then features,
 *    trains one model per warehouse, scores day D and alerts (outbox);
 * 3. one nightly run per worker count in --workers: one more day is appended to the source and the pipeline runs
 *    for that day, with fresh workers — what the daily schedule does: ingest the new day (and re-load the
 *    trailing 3), features for the 90-day training window, a model per warehouse, score the day, alert;
 * 4. the in-process baseline (bench/pipeline-inprocess.ts): one more day, the same activities called directly;
 * 5. the backtest (bench/pipeline-backtest.ts) of the last 365 days (fewer when the history is shorter) on the
 *    daily totals in Postgres, and SnowPatrol's method in Python on the same series when Debian's
 *    python3-sklearn/statsmodels/pandas are installed.
 * Prints tables on stdout (progress on stderr) and writes bench/results/pipeline-<timestamp>.json.
 *
 * Needs the Postgres at SNOWPATROL_BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres) and the
 * Temporal CLI (TEMPORAL_CLI_PATH, PATH, .snowpatrol/bin, or built with go install as the demo does).
 * SNOWPATROL_MAX_CONCURRENT_ACTIVITIES (activity slots) and SNOWPATROL_WORKFLOW_BUNDLE (a prebuilt workflow bundle)
 * are passed to the workers; other SNOWPATROL_/SNOWFLAKE_/SLACK_/TEMPORAL_ settings are not, so every run uses
 * the defaults and nothing leaves 127.0.0.1.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import { startDevServer } from '../client/dev-server';
import { resolveTemporalCli } from '../client/temporal-cli';
import { addDays } from '../schemas/dates';
import type { PipelineInput } from '../schemas/inputs';
import { generateKeyPair } from '../test/emulator/keys';
import { CSV_HEADER, csvLine, PIPELINE_FROM, pipelineOrg, type Duty } from './pipeline-org';
import { freePort, JsonChild, log, refuseNewProcesses, ROOT, WorkerProcess } from './pipeline-processes';
import { hotSpots, mainProfile } from './pipeline-profile';
import { pythonUnavailable, runPythonMethod } from './pipeline-python';
import {
  hotSpotTable,
  notes,
  phaseResult,
  stageTable,
  targets,
  targetTable,
  type BacktestResult,
  type InProcessResult,
  type PhaseResult,
  type PythonResult,
} from './pipeline-report';
import { runMeasuredPipeline, taskQueuePollers } from './pipeline-temporal';

const ADMIN_URL = process.env.SNOWPATROL_BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Days a backtest judges at most; fewer when the history cannot hold 365 judged days after the first model. */
const BACKTEST_DAYS = 365;
/** History a backtest needs before its first judged day: 28 feature days + 28 days of training at least. */
const BACKTEST_LEAD_DAYS = 56;

interface Options {
  warehouses: number;
  days: number;
  duty: Duty;
  source: 'snowflake' | 'csv';
  workers: number[];
  notify: boolean;
  python: boolean;
  pythonSample: number | undefined;
  baseline: boolean;
  backtest: boolean;
  seed: number;
  cpuProf: boolean;
}

function usage(problem: string): never {
  process.stderr.write(`bench: ${problem}\n(see the usage at the top of bench/pipeline.ts)\n`);
  process.exit(2);
}

function positive(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) usage(`--${name} must be a whole number ≥ ${min}, got "${value}"`);
  return n;
}

function parseOptions(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        warehouses: { type: 'string' },
        days: { type: 'string' },
        duty: { type: 'string' },
        source: { type: 'string' },
        workers: { type: 'string' },
        seed: { type: 'string' },
        'python-sample': { type: 'string' },
        'no-notify': { type: 'boolean' },
        'no-python': { type: 'boolean' },
        'no-baseline': { type: 'boolean' },
        'no-backtest': { type: 'boolean' },
        'cpu-prof': { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    usage((err as Error).message);
  }
  const duty = parsed.duty ?? 'full';
  if (duty !== 'full' && duty !== 'realistic') usage(`--duty must be full or realistic, got "${duty}"`);
  const source = parsed.source === 'emulator' ? 'snowflake' : (parsed.source ?? 'snowflake');
  if (source !== 'snowflake' && source !== 'csv') usage(`--source must be snowflake (the emulator) or csv`);
  const workers = (parsed.workers ?? '1').split(',').map((w) => positive('workers', w.trim(), 1));
  const days = positive('days', parsed.days, 730, 60);
  if (days > 1460) usage('--days must be at most 1460 (the pipeline loads at most 1460 days of history)');
  return {
    warehouses: positive('warehouses', parsed.warehouses, 1000),
    days,
    duty,
    source,
    workers,
    notify: !parsed['no-notify'],
    python: !parsed['no-python'],
    pythonSample:
      parsed['python-sample'] === undefined ? undefined : positive('python-sample', parsed['python-sample'], 1),
    baseline: !parsed['no-baseline'],
    backtest: !parsed['no-backtest'],
    seed: positive('seed', parsed.seed, 42, 0),
    cpuProf: Boolean(parsed['cpu-prof']),
  };
}

/** Things to undo, last first; each runs once, and a failing one does not stop the rest. */
class Cleanup {
  private readonly steps: { name: string; run: () => Promise<void> }[] = [];
  private running: Promise<void> | undefined;

  push(name: string, run: () => Promise<void>): void {
    this.steps.push({ name, run });
  }

  run(): Promise<void> {
    refuseNewProcesses();
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        await step.run().catch((err: unknown) => log(`warning: ${step.name}: ${String(err)}`));
      }
    })();
    return this.running;
  }
}

function codeVersion(): { commit: string; dirty: string[] } {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  const dirty = ['activities', 'workflows', 'worker', 'client', 'schemas'].filter(
    (dir) => git('status', '--porcelain', dir) !== '',
  );
  return { commit: git('rev-parse', '--short', 'HEAD'), dirty };
}

/** A fresh database on the benchmark's Postgres; dropped by `cleanup`. */
async function createDatabase(cleanup: Cleanup): Promise<string> {
  const name = `snowpatrol_bench_${process.pid}_${Date.now()}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  cleanup.push(`drop database ${name}`, async () => {
    const a = postgres(ADMIN_URL, { max: 1, onnotice: () => undefined });
    try {
      await a.unsafe(`drop database if exists ${name} with (force)`);
    } finally {
      await a.end();
    }
  });
  return ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
}

/** Settings of the benchmark's own environment that its snowpatrol processes get: tuning, not connections. */
const PASSED_THROUGH = ['SNOWPATROL_MAX_CONCURRENT_ACTIVITIES', 'SNOWPATROL_WORKFLOW_BUNDLE'];

/** The environment of every snowpatrol process the benchmark starts: only what it sets, plus PASSED_THROUGH. */
function snowpatrolEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(SNOWFLAKE_|SNOWPATROL_|SLACK_|TEMPORAL_|SF_)/.test(key) && !PASSED_THROUGH.includes(key)) continue;
    if (key === 'DATABASE_URL' || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return { ...env, ...settings };
}

/** The source the pipeline reads: the emulator in its own process, or a CSV export in the temporary directory. */
interface BenchSource {
  spec: string;
  rows: number;
  loadSeconds: number;
  env: Record<string, string>;
  /** Add day index `t` to the source (a nightly run's new day); resolves with its row count. */
  append(t: number): Promise<number>;
}

async function emulatorSource(opts: Options, totalDays: number, dir: string, cleanup: Cleanup): Promise<BenchSource> {
  const keys = generateKeyPair();
  const privateKeyPath = path.join(dir, 'bench_rsa_key.p8');
  const publicKeyPath = path.join(dir, 'bench_rsa_key.pub');
  fs.writeFileSync(privateKeyPath, keys.privateKeyPem, { mode: 0o600 });
  fs.writeFileSync(publicKeyPath, keys.publicKeyPem);
  const args = [opts.warehouses, totalDays, opts.days, opts.seed, opts.duty].map(String);
  const emulator = new JsonChild('pipeline-emulator.ts', [...args, publicKeyPath], snowpatrolEnv({}));
  cleanup.push('stop the Snowflake emulator', () => emulator.stop());
  const served = await emulator.next<{ url: string; account: string; rows: number; loadSeconds: number }>();
  return {
    spec: 'snowflake',
    rows: served.rows,
    loadSeconds: served.loadSeconds,
    env: {
      SNOWFLAKE_ACCOUNT: served.account,
      SNOWFLAKE_USER: 'BENCH',
      SNOWFLAKE_PRIVATE_KEY_PATH: privateKeyPath,
      SNOWFLAKE_ACCESS_URL: served.url,
      SNOWFLAKE_USAGE_SCHEMA: 'ORGANIZATION_USAGE',
      SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
      SF_TELEMETRY_DISABLE_CONNECTION_SHAPE: '1',
    },
    async append(t) {
      emulator.send({ day: t });
      return (await emulator.next<{ rows: number }>()).rows;
    },
  };
}

async function csvSource(opts: Options, totalDays: number, dir: string): Promise<BenchSource> {
  const org = pipelineOrg(opts.warehouses, totalDays, opts.seed);
  const file = path.join(dir, 'warehouse_metering_history.csv');
  const write = async (from: number, to: number, flags: string) => {
    const out = fs.createWriteStream(file, { flags });
    let rows = 0;
    let chunk = flags === 'w' ? CSV_HEADER : '';
    for (const row of org.rows(from, to, opts.duty)) {
      chunk += csvLine(row);
      if (++rows % 10_000 === 0) {
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
        chunk = '';
      }
    }
    await new Promise<void>((resolve, reject) => out.end(chunk, () => resolve()).once('error', reject));
    return rows;
  };
  const started = performance.now();
  const rows = await write(0, opts.days - 1, 'w');
  return {
    spec: `csv:${file}`,
    rows,
    loadSeconds: (performance.now() - started) / 1000,
    env: {},
    append: (t) => write(t, t, 'a'),
  };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const cleanup = new Cleanup();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`\n${signal}: stopping everything this benchmark started…`);
      void cleanup.run().finally(() => process.exit(130));
    });
  }
  try {
    await bench(opts, cleanup);
  } finally {
    await cleanup.run();
  }
}

async function bench(opts: Options, cleanup: Cleanup): Promise<void> {
  const startedAt = new Date();
  const loadAtStart = os.loadavg();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-bench-'));
  cleanup.push('remove the temporary directory', async () => fs.rmSync(dir, { recursive: true, force: true }));
  const profileRoot = opts.cpuProf ? path.join(os.tmpdir(), `snowpatrol-bench-profiles-${stamp}`) : undefined;
  const nights = opts.workers.length + (opts.baseline ? 1 : 0);
  const totalDays = opts.days + nights;
  const day = (t: number) => addDays(PIPELINE_FROM, t);
  const code = codeVersion();
  log(
    `snowpatrol pipeline benchmark: ${opts.warehouses} warehouses × ${opts.days} days (${opts.duty} duty), ` +
      `source ${opts.source}, workers ${opts.workers.join(',')}; load average ${loadAtStart[0].toFixed(2)}`,
  );

  log(`source: generating ${day(0)} → ${day(opts.days - 1)} and loading it…`);
  const source =
    opts.source === 'snowflake'
      ? await emulatorSource(opts, totalDays, dir, cleanup)
      : await csvSource(opts, totalDays, dir);
  log(`  ${source.rows.toLocaleString('en-US')} hourly rows in ${source.loadSeconds.toFixed(1)} s`);

  const databaseUrl = await createDatabase(cleanup);
  const cliPath = await resolveTemporalCli({
    explicitPath: process.env.TEMPORAL_CLI_PATH,
    home: path.join(ROOT, '.snowpatrol'),
    log,
    skipDownload: true, // nothing beyond loopback: the CLI comes from PATH, the cache or go install
  });
  const server = await startDevServer({
    cliPath,
    home: path.join(dir, 'temporal'),
    port: await freePort(),
    uiPort: await freePort(),
  });
  cleanup.push('stop the Temporal dev server', () => server.stop());
  log(`Temporal dev server on ${server.address} (${cliPath})`);
  const connection = await Connection.connect({ address: server.address });
  cleanup.push('close the Temporal connection', () => connection.close());
  const client = new Client({ connection, namespace: 'default' });

  const env = snowpatrolEnv({
    ...source.env,
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: 'default',
    DATABASE_URL: databaseUrl,
    SNOWPATROL_HOME: path.join(dir, 'home'),
    SNOWPATROL_OUTBOX_DIR: path.join(dir, 'outbox'),
  });
  // tsx hands flags before the script to the node process it starts (NODE_OPTIONS may not carry --cpu-prof).
  const profileArgs = (name: string): string[] => {
    if (!profileRoot) return [];
    const profileDir = path.join(profileRoot, name);
    fs.mkdirSync(profileDir, { recursive: true });
    return ['--cpu-prof', '--cpu-prof-dir', profileDir];
  };
  const profileOf = (name: string, skipMs = 0) => {
    const file = profileRoot && mainProfile(path.join(profileRoot, name));
    return file ? hotSpots(file, 15, skipMs) : undefined;
  };

  const live = new Set<WorkerProcess>();
  cleanup.push('stop the workers', async () => {
    await Promise.all([...live].map((w) => w.stop()));
  });

  const phases: PhaseResult[] = [];
  const measure = async (
    name: string,
    kind: PhaseResult['kind'],
    count: number,
    input: PipelineInput & { asOf: string },
  ) => {
    const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    const workers = Array.from({ length: count }, (_, i) => {
      const workerName = `${slug}-worker-${i + 1}`;
      return new WorkerProcess(workerName, env, path.join(dir, `${workerName}.log`), profileArgs(workerName));
    });
    workers.forEach((w) => live.add(w));
    try {
      await Promise.all(workers.map((w) => w.ready(() => taskQueuePollers(client, 'default'))));
      log(
        `${name}: pipeline for ${input.asOf} with ${count} worker(s) (pids ${workers.map((w) => w.nodePid).join(', ')})`,
      );
      const run = await runMeasuredPipeline(client, input, name);
      await Promise.all(workers.map((w) => w.stop()));
      const rssBetween = (from: number, to: number) => Math.max(0, ...workers.map((w) => w.peakBetween(from, to)));
      const phase = phaseResult(
        name,
        kind,
        count,
        run,
        rssBetween,
        workers.map((w) => w.peakKB),
        workers.map((w) => w.readyKB),
      );
      phase.hotSpots = profileOf(`${slug}-worker-1`, workers[0].startupMs);
      log(`  done in ${phase.pipelineSeconds.toFixed(1)} s`);
      phases.push(phase);
      return phase;
    } catch (err) {
      for (const w of workers) log(`--- ${w.name} log (last lines) ---\n${w.tail()}`);
      throw err;
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      workers.forEach((w) => live.delete(w));
    }
  };

  const pipelineInput = (asOf: string): PipelineInput & { asOf: string } => ({
    asOf,
    source: source.spec,
    historyDays: opts.days,
    waitForData: false,
    notify: opts.notify,
  });
  const plural = (n: number) => `${n} worker${n === 1 ? '' : 's'}`;
  await measure(`first run, ${plural(opts.workers[0])}`, 'first', opts.workers[0], pipelineInput(day(opts.days - 1)));
  let next = opts.days;
  for (const count of opts.workers) {
    const rows = await source.append(next);
    log(`appended ${day(next)} (${rows.toLocaleString('en-US')} rows) to the source`);
    await measure(`nightly, ${plural(count)}`, 'nightly', count, pipelineInput(day(next)));
    next++;
  }

  let inProcess: InProcessResult | undefined;
  if (opts.baseline) {
    const rows = await source.append(next);
    log(`appended ${day(next)} (${rows.toLocaleString('en-US')} rows); in-process baseline (no Temporal)…`);
    const child = new JsonChild(
      'pipeline-inprocess.ts',
      [day(next), source.spec, String(opts.days)],
      env,
      profileArgs('inprocess'),
    );
    cleanup.push('stop the in-process baseline', () => child.stop());
    inProcess = await child.result<InProcessResult>();
    inProcess.hotSpots = profileOf('inprocess');
    next++;
  }

  const lastDay = day(next - 1);
  const backtestDays = Math.min(BACKTEST_DAYS, next - BACKTEST_LEAD_DAYS);
  let backtest: BacktestResult | undefined;
  let python: PythonResult | undefined;
  let pythonSkipped: string | undefined;
  if (opts.backtest && backtestDays > 0) {
    const from = addDays(lastDay, 1 - backtestDays);
    log(`backtest ${from} → ${lastDay} on the daily totals in Postgres…`);
    const child = new JsonChild('pipeline-backtest.ts', [from, lastDay], env, profileArgs('backtest'));
    cleanup.push('stop the backtest', () => child.stop());
    backtest = { ...(await child.result<Omit<BacktestResult, 'days'>>()), days: backtestDays };
    backtest.hotSpots = profileOf('backtest');

    if (!opts.python) pythonSkipped = '--no-python';
    else {
      const why = pythonUnavailable();
      if (why) pythonSkipped = `skipped: install python3-statsmodels python3-sklearn python3-pandas (${why})`;
      else {
        log(`SnowPatrol's method in Python on ${opts.pythonSample ?? 'all'} warehouses…`);
        const { run, warehouses } = await runPythonMethod(databaseUrl, from, lastDay, opts.pythonSample);
        const perWarehouse = backtest.backtestSeconds / backtest.warehouses;
        python = {
          warehouses,
          seconds: run.seconds ?? 0,
          ratio: run.seconds && perWarehouse > 0 ? run.seconds / warehouses / perWarehouse : null,
          versions: run.extra?.versions,
        };
      }
    }
  } else pythonSkipped = opts.backtest ? 'the history is too short for a backtest' : '--no-backtest';

  const targetList = targets({
    warehouses: opts.warehouses,
    days: opts.days,
    phases,
    inProcess,
    backtest,
    python,
    pythonSkipped,
  });
  const out = process.stdout;
  out.write(
    `\nsnowpatrol pipeline benchmark — ${opts.warehouses.toLocaleString('en-US')} warehouses × ${opts.days} days ` +
      `(${opts.duty} duty, ${source.rows.toLocaleString('en-US')} hourly rows) from ` +
      `${opts.source === 'snowflake' ? 'the Snowflake emulator' : 'a CSV export'}; ${os.cpus().length} cores; ` +
      `code ${code.commit}${code.dirty.length ? ` + uncommitted changes in ${code.dirty.join(', ')}` : ''}\n` +
      `source loaded in ${source.loadSeconds.toFixed(1)} s; 1-minute load average ${loadAtStart[0].toFixed(2)} at ` +
      `the start, ${os.loadavg()[0].toFixed(2)} at the end (other processes on this machine skew the numbers)\n\n`,
  );
  out.write(`${stageTable(phases)}\n\n`);
  for (const line of notes(phases, inProcess, backtest, python, pythonSkipped)) out.write(`${line}\n`);
  out.write(`\nTargets (issue 8)\n${targetTable(targetList)}\n`);
  const profiles = [
    ...phases.map((p) => [`Hot spots: ${p.name}, worker 1 after start-up`, p.hotSpots] as const),
    [`Hot spots: in-process baseline`, inProcess?.hotSpots] as const,
    [`Hot spots: backtest`, backtest?.hotSpots] as const,
  ];
  for (const [title, spots] of profiles) {
    const text = hotSpotTable(title, spots);
    if (text) out.write(`\n${text}\n`);
  }
  if (profileRoot) out.write(`\nCPU profiles (open in Chrome DevTools): ${profileRoot}\n`);

  const file = path.join(__dirname, 'results', `pipeline-${stamp}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const report = {
    startedAt: startedAt.toISOString(),
    code,
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memoryMB: Math.round(os.totalmem() / 2 ** 20),
      node: process.version,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: os.loadavg(),
    },
    settings: { ...opts, totalDays, maxConcurrentActivities: process.env.SNOWPATROL_MAX_CONCURRENT_ACTIVITIES ?? 4 },
    source: {
      kind: opts.source,
      rows: source.rows,
      loadSeconds: source.loadSeconds,
      from: day(0),
      to: day(opts.days - 1),
    },
    phases,
    inProcess,
    backtest,
    python: python ?? { skipped: pythonSkipped },
    targets: targetList,
  };
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  out.write(`\nresults: ${path.relative(ROOT, file)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
