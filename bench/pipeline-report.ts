/** The pipeline benchmark's numbers: per-stage rows, the targets of issue 8, and the stdout tables. */
import type { Stage } from '../schemas/constants';
import type { HotSpots } from './pipeline-profile';
import { computeSpan, type PipelineRunStats, type WorkflowStats } from './pipeline-temporal';

const MB = 1024;

/** One row of the stage table. */
export interface StageRow {
  stage: Stage;
  seconds: number;
  /** Work done per second of the stage's wall time, in `unit`. */
  rate: number | null;
  unit: string;
  /** Highest sampled RSS of any worker while the stage's workflow was open. */
  rssPeakMB: number | null;
  historyEvents: number;
  historyBytes: number;
  activities: number;
  /** Activity attempts by worker identity: how the stage's work was split across workers. */
  activitiesByWorker: Record<string, number>;
}

/** One measured pipeline run (the first, full-history run or a nightly run) with N workers. */
export interface PhaseResult {
  name: string;
  kind: 'first' | 'nightly';
  workers: number;
  asOf: string;
  pipelineSeconds: number;
  /** Features + train + score: features child start → score child close. */
  computeSeconds: number | null;
  /** VmHWM of each worker's node process over the run. */
  workerPeakMB: number[];
  /** VmHWM of each worker when it was ready to poll, before any work: the start-up share of the peak. */
  workerReadyMB: number[];
  stages: StageRow[];
  workflows: WorkflowStats[];
  summary: {
    rowsRead: number;
    daysLoaded: number;
    featureRows: number;
    models: number;
    skipped: number;
    scored: number;
    anomalies: number;
    alerted: number | null;
  };
  hotSpots?: HotSpots;
}

export interface InProcessResult {
  asOf: string;
  ingest: { seconds: number; rowsRead: number; from: string };
  features: { seconds: number; warehouses: number; rows: number };
  train: { seconds: number; warehouses: number; trained: number; created: number };
  score: { seconds: number; scored: number; anomalies: number };
  computeSeconds: number;
  rssAfterIngestMB: number;
  rssPeakComputeMB: number;
  hotSpots?: HotSpots;
}

export interface BacktestResult {
  from: string;
  to: string;
  days: number;
  seconds: number;
  readSeconds: number;
  backtestSeconds: number;
  warehouses: number;
  judgedDays: number;
  models: number;
  flagged: number;
  rssPeakMB: number;
  hotSpots?: HotSpots;
}

export interface PythonResult {
  warehouses: number;
  seconds: number;
  /** Python seconds per warehouse ÷ snowpatrol backtest seconds per warehouse. */
  ratio: number | null;
  versions?: unknown;
}

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean | null;
  note?: string;
}

/** The stage rows of a run, with each stage's rate and the workers' memory while it ran. */
export function stageRows(run: PipelineRunStats, rssBetween: (from: number, to: number) => number): StageRow[] {
  const r = run.result;
  const rate = (stage: Stage, seconds: number): { rate: number | null; unit: string } => {
    const per = (n: number) => (seconds > 0 ? n / seconds : null);
    switch (stage) {
      case 'ingest':
        return { rate: per(r.ingest.rowsRead), unit: 'rows/s' };
      case 'features':
        return { rate: per(r.features.warehouses), unit: 'warehouses/s' };
      case 'train':
        return { rate: per(r.train.models.length + r.train.skipped.length), unit: 'warehouses/s' };
      case 'score':
        return { rate: per(r.score.scored), unit: 'warehouse-days/s' };
      case 'notify':
        return { rate: per(r.notify?.alerted ?? 0), unit: 'alerts/s' };
      default:
        return { rate: null, unit: '' };
    }
  };
  return run.workflows.map((w) => ({
    stage: w.stage,
    seconds: w.seconds,
    ...rate(w.stage, w.seconds),
    rssPeakMB: rssBetween(w.startedAt, w.closedAt) / MB || null,
    historyEvents: w.historyEvents,
    historyBytes: w.historyBytes,
    activities: w.activities,
    activitiesByWorker: w.activitiesByWorker,
  }));
}

export function phaseResult(
  name: string,
  kind: PhaseResult['kind'],
  workers: number,
  run: PipelineRunStats,
  rssBetween: (from: number, to: number) => number,
  workerPeakKB: number[],
  workerReadyKB: number[],
): PhaseResult {
  const r = run.result;
  return {
    name,
    kind,
    workers,
    asOf: run.asOf,
    pipelineSeconds: run.seconds,
    computeSeconds: computeSpan(run)?.seconds ?? null,
    workerPeakMB: workerPeakKB.map((kb) => kb / MB),
    workerReadyMB: workerReadyKB.map((kb) => kb / MB),
    stages: stageRows(run, rssBetween),
    workflows: run.workflows,
    summary: {
      rowsRead: r.ingest.rowsRead,
      daysLoaded: r.ingest.days,
      featureRows: r.features.rows,
      models: r.train.models.length,
      skipped: r.train.skipped.length,
      scored: r.score.scored,
      anomalies: r.score.anomalies,
      alerted: r.notify?.alerted ?? null,
    },
  };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits = 1) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (x: number) => `${fixed(100 * x, 0)} %`;

/** A plain-text table: text columns left-aligned, everything else right-aligned. */
export function table(header: string[], rows: string[][], leftColumns = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < leftColumns ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

export function stageTable(phases: PhaseResult[]): string {
  const rows: string[][] = [];
  for (const phase of phases) {
    for (const [i, s] of phase.stages.entries()) {
      rows.push([
        i === 0 ? phase.name : '',
        s.stage,
        fixed(s.seconds, 2),
        s.rate === null ? '' : `${int(s.rate)} ${s.unit}`,
        s.rssPeakMB === null ? '' : int(s.rssPeakMB),
        int(s.historyEvents),
        fixed(s.historyBytes / 1024, 1),
        int(s.activities),
      ]);
    }
    if (phase.computeSeconds !== null) {
      rows.push(['', 'features+train+score', fixed(phase.computeSeconds, 2), '', '', '', '', '']);
    }
    rows.push(['', 'worker peak RSS (VmHWM)', '', '', phase.workerPeakMB.map(int).join(' + '), '', '', '']);
    rows.push(['', '  of which at start-up', '', '', phase.workerReadyMB.map(int).join(' + '), '', '', '']);
  }
  return table(
    ['run', 'stage', 'wall s', 'rate', 'worker RSS MB', 'history events', 'history KB', 'activities'],
    rows,
    2,
  );
}

export function targetTable(targets: Target[]): string {
  return table(
    ['target', 'goal', 'measured', 'met'],
    targets.map((t) => [
      t.name,
      t.goal,
      t.measured,
      `${t.met === null ? '– not measured' : t.met ? '✓ met' : '✗ not met'}${t.note ? ` (${t.note})` : ''}`,
    ]),
    4,
  );
}

export interface TargetInputs {
  warehouses: number;
  days: number;
  phases: PhaseResult[];
  inProcess: InProcessResult | undefined;
  backtest: BacktestResult | undefined;
  python: PythonResult | undefined;
  pythonSkipped: string | undefined;
}

/** Issue 8's targets, met or not, from the measured numbers. */
export function targets(input: TargetInputs): Target[] {
  const { phases } = input;
  const full = input.warehouses === 1000 && input.days === 730;
  const sizeNote = full ? undefined : `measured at ${input.warehouses} × ${input.days}; the target is for 1,000 × 730`;
  const first = phases.find((p) => p.kind === 'first');
  const nightly = phases.find((p) => p.kind === 'nightly');
  const ingest = first?.stages.find((s) => s.stage === 'ingest');
  const allWorkflows = phases.flatMap((p) => p.stages);
  const maxEvents = Math.max(0, ...allWorkflows.map((s) => s.historyEvents));
  const maxBytes = Math.max(0, ...allWorkflows.map((s) => s.historyBytes));
  const peak = Math.max(0, ...phases.flatMap((p) => p.workerPeakMB));
  const out: Target[] = [
    {
      name: 'ingest into Postgres (first run)',
      goal: '≥ 100,000 rows/s',
      measured: ingest?.rate ? `${int(ingest.rate)} rows/s` : '–',
      met: ingest?.rate ? ingest.rate >= 100_000 : null,
    },
    {
      name: 'features + train + score, one nightly run',
      goal: '≤ 60 s',
      measured: nightly?.computeSeconds != null ? `${fixed(nightly.computeSeconds, 1)} s` : '–',
      met: nightly?.computeSeconds != null ? nightly.computeSeconds <= 60 : null,
      note: sizeNote,
    },
    {
      name: `backtest ${input.backtest ? `${input.backtest.days} d` : '365 d'}`,
      goal: '≤ 5 min',
      measured: input.backtest ? `${fixed(input.backtest.seconds, 1)} s` : '–',
      met: input.backtest ? input.backtest.seconds <= 300 : null,
      note: input.backtest && input.backtest.days < 365 ? `only ${input.backtest.days} days can be judged` : sizeNote,
    },
    {
      name: "backtest vs SnowPatrol's method (Python)",
      goal: '≥ 20× faster',
      measured: input.python?.ratio ? `${fixed(input.python.ratio, 1)}×` : '–',
      met: input.python?.ratio ? input.python.ratio >= 20 : null,
      note: input.python
        ? input.python.warehouses < input.warehouses
          ? `Python on ${input.python.warehouses} warehouses, per-warehouse times compared`
          : undefined
        : input.pythonSkipped,
    },
    {
      name: 'worker peak RSS',
      goal: '≤ 1 GB',
      measured: peak > 0 ? `${int(peak)} MB` : '–',
      met: peak > 0 ? peak <= 1024 : null,
      note: sizeNote,
    },
    {
      name: 'largest workflow history',
      goal: '≤ 10,000 events and ≤ 5 MB',
      measured: `${int(maxEvents)} events, ${fixed(maxBytes / 2 ** 20, 2)} MB`,
      met: maxEvents <= 10_000 && maxBytes <= 5 * 2 ** 20,
      note: sizeNote,
    },
  ];
  const overhead = temporalOverhead(nightly, input.inProcess);
  out.push({
    name: 'Temporal overhead (nightly features+train+score)',
    goal: '≤ 25 %',
    measured: overhead === null ? '–' : pct(overhead),
    met: overhead === null ? null : overhead <= 0.25,
    note: sizeNote,
  });
  return out;
}

/** (through the worker − in-process) ÷ in-process, for features + train + score. */
export function temporalOverhead(nightly: PhaseResult | undefined, inProcess: InProcessResult | undefined) {
  if (!nightly?.computeSeconds || !inProcess) return null;
  return (nightly.computeSeconds - inProcess.computeSeconds) / inProcess.computeSeconds;
}

/** The lines under the stage table: scale-out, baseline, backtest, Python. */
export function notes(
  phases: PhaseResult[],
  inProcess: InProcessResult | undefined,
  backtest: BacktestResult | undefined,
  python: PythonResult | undefined,
  pythonSkipped: string | undefined,
): string[] {
  const lines: string[] = [];
  const nightlies = phases.filter((p) => p.kind === 'nightly');
  const base = nightlies[0];
  if (base) {
    for (const other of nightlies.slice(1)) {
      const compute =
        base.computeSeconds && other.computeSeconds ? `${fixed(base.computeSeconds / other.computeSeconds, 2)}×` : '–';
      const train = (p: PhaseResult) => p.stages.find((s) => s.stage === 'train')?.seconds ?? 0;
      const split = other.stages
        .filter((s) => Object.keys(s.activitiesByWorker ?? {}).length > 1)
        .map((s) => `${s.stage} ${Object.values(s.activitiesByWorker).join('+')}`);
      if (other.workers > 1) {
        lines.push(
          `Work split (activity attempts per worker) with ${other.workers} workers: ` +
            (split.length > 0 ? split.join(', ') : 'every stage ran on one worker'),
        );
      }
      lines.push(
        `Scale-out: nightly with ${other.workers} workers vs ${base.workers}: whole run ` +
          `${fixed(base.pipelineSeconds / other.pipelineSeconds, 2)}× (${fixed(base.pipelineSeconds, 1)} → ` +
          `${fixed(other.pipelineSeconds, 1)} s), features+train+score ${compute}, train ` +
          `${fixed(train(base) / Math.max(train(other), 1e-9), 2)}× (${fixed(train(base), 1)} → ${fixed(train(other), 1)} s)`,
      );
    }
  }
  if (inProcess) {
    const overhead = temporalOverhead(base, inProcess);
    lines.push(
      `In-process baseline (${inProcess.asOf}, no Temporal): features ${fixed(inProcess.features.seconds, 2)} s + ` +
        `train ${fixed(inProcess.train.seconds, 2)} s + score ${fixed(inProcess.score.seconds, 2)} s = ` +
        `${fixed(inProcess.computeSeconds, 2)} s (peak RSS ${int(inProcess.rssPeakComputeMB)} MB); through the worker ` +
        `${base?.computeSeconds != null ? `${fixed(base.computeSeconds, 2)} s` : '–'} → overhead ` +
        `${overhead === null ? '–' : pct(overhead)}`,
    );
  }
  if (backtest) {
    lines.push(
      `Backtest ${backtest.from} → ${backtest.to} (${backtest.days} d, ${int(backtest.warehouses)} warehouses, ` +
        `retrained every 7 d, ${int(backtest.models)} models): read ${fixed(backtest.readSeconds, 1)} s + backtest ` +
        `${fixed(backtest.backtestSeconds, 1)} s = ${fixed(backtest.seconds, 1)} s wall, ` +
        `${fixed(backtest.warehouses / Math.max(backtest.backtestSeconds, 1e-9), 1)} warehouses/s, ` +
        `${fixed(backtest.judgedDays / Math.max(backtest.backtestSeconds, 1e-9), 0)} judged days/s, ` +
        `peak RSS ${int(backtest.rssPeakMB)} MB, ${int(backtest.flagged)} days flagged`,
    );
  }
  if (python) {
    lines.push(
      `SnowPatrol's method (Python) on ${int(python.warehouses)} warehouses: ${fixed(python.seconds, 1)} s ` +
        `→ ${python.ratio ? `${fixed(python.ratio, 1)}×` : '–'} snowpatrol's backtest time per warehouse`,
    );
  } else lines.push(`SnowPatrol's method (Python): ${pythonSkipped ?? 'not run'}`);
  return lines;
}

export function hotSpotTable(title: string, spots: HotSpots | undefined): string {
  if (!spots?.top.length) return '';
  const busy = spots.profiledMs - spots.idleMs;
  return `${title}: ${int(spots.profiledMs)} ms profiled, ${int(busy)} ms busy\n${table(
    ['function', 'where', 'self ms', 'share of busy'],
    spots.top.map((s) => [s.function, s.where, int(s.selfMs), pct(s.share)]),
    2,
  )}`;
}
