import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Info } from '@temporalio/activity';
import { parseQueryTag } from '../../activities/attribution/query-tag';
import { temporalQueryTag } from '../../activities/attribution/temporal-query-tag';
import {
  DEMO_WAREHOUSES,
  demoAnomalyLabels,
  demoAnomalyOn,
  demoHourlyRows,
  type DemoWarehouse,
} from '../../activities/sources/demo-org';
import { demoQueries, demoRunawayWorkload, demoSpikeWorkload } from '../../activities/sources/demo-queries';
import { createDemoSource } from '../../activities/sources/demo-source';
import type { QueryCostRecord } from '../../activities/sources/metering-source';
import { addDays, dayToMs, eachDay, weekday } from '../../schemas/dates';
import { collect } from '../fixtures/collect';

const ROOT = path.resolve(__dirname, '../..');
const SEED = 42;
const HOUR_MS = 3_600_000;
const YEAR = eachDay('2026-01-01', '2026-12-31');

function warehouseNamed(name: string): DemoWarehouse {
  const wh = DEMO_WAREHOUSES.find((w) => w.name === name);
  if (!wh) throw new Error(`no demo warehouse ${name}`);
  return wh;
}

/** Credits per hour start (ms), each query's credits spread over the hours it ran in, by execution time. */
function creditsPerHour(queries: QueryCostRecord[]): Map<number, number> {
  const perHour = new Map<number, number>();
  for (const q of queries) {
    const start = q.executionStart.getTime();
    const end = q.executionEnd.getTime();
    for (let hour = Math.floor(start / HOUR_MS) * HOUR_MS; hour < end; hour += HOUR_MS) {
      const overlap = Math.min(end, hour + HOUR_MS) - Math.max(start, hour);
      perHour.set(hour, (perHour.get(hour) ?? 0) + ((q.credits ?? 0) * overlap) / (end - start));
    }
  }
  return perHour;
}

const total = (queries: QueryCostRecord[]) => queries.reduce((s, q) => s + (q.credits ?? 0), 0);
const meteredCompute = (wh: DemoWarehouse, day: string) =>
  demoHourlyRows(wh, day, SEED).reduce((s, r) => s + r.creditsUsedCompute, 0);
const crossesHour = (q: QueryCostRecord) =>
  Math.floor(q.executionStart.getTime() / HOUR_MS) !== Math.floor((q.executionEnd.getTime() - 1) / HOUR_MS);

describe('the demo organisation’s queries', () => {
  it('leave 5–20 % of every metered hour idle, and run in no hour that was not metered', () => {
    let hours = 0;
    for (const wh of DEMO_WAREHOUSES) {
      for (const day of eachDay('2026-09-01', '2026-11-30')) {
        const perHour = creditsPerHour([...demoQueries(wh, addDays(day, -1), SEED), ...demoQueries(wh, day, SEED)]);
        for (const row of demoHourlyRows(wh, day, SEED)) {
          const queried = perHour.get(row.startTime.getTime()) ?? 0;
          const idle = (row.creditsUsedCompute - queried) / row.creditsUsedCompute;
          expect(idle).toBeGreaterThanOrEqual(0.05);
          expect(idle).toBeLessThanOrEqual(0.2);
          perHour.delete(row.startTime.getTime());
          hours++;
        }
        const unmetered = [...perHour.keys()].filter((h) => h >= dayToMs(day) && h < dayToMs(addDays(day, 1)));
        expect(unmetered.map((h) => new Date(h).toISOString())).toEqual([]);
      }
    }
    expect(hours).toBeGreaterThan(3000);
  });

  it('are the same for the same seed, warehouse and day, with ids unique over a year', () => {
    const wh = warehouseNamed('BI_WH');
    expect(demoQueries(wh, '2026-11-20', SEED)).toEqual(demoQueries(wh, '2026-11-20', SEED));
    expect(demoQueries(wh, '2026-11-20', SEED + 1)).not.toEqual(demoQueries(wh, '2026-11-20', SEED));
    const ids = new Set<string>();
    let count = 0;
    for (const day of YEAR) {
      for (const w of DEMO_WAREHOUSES) {
        for (const q of demoQueries(w, day, SEED)) {
          ids.add(q.queryId);
          count++;
        }
      }
    }
    expect(ids.size).toBe(count);
  });

  it('look like Snowflake’s: UUID-like ids, hex query hashes, the warehouse’s size, one user and hash per workload', () => {
    const sizes: Record<number, string> = { 1: 'X-Small', 2: 'Small', 4: 'Medium', 8: 'Large', 16: 'X-Large' };
    const byWorkload = new Map<string, Set<string>>();
    for (const wh of DEMO_WAREHOUSES) {
      for (const day of eachDay('2026-11-01', '2026-11-14')) {
        for (const q of demoQueries(wh, day, SEED)) {
          expect(q.queryId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
          expect(q.queryHash).toMatch(/^[0-9a-f]{32}$/);
          expect(q).toMatchObject({ account: wh.account, warehouseId: wh.id, warehouseName: wh.name });
          expect(q.warehouseSize).toBe(sizes[wh.creditsPerHour]);
          expect(q.credits).toBeGreaterThan(0);
          expect(q.executionEnd.getTime()).toBeGreaterThan(q.executionStart.getTime());
          const tag = parseQueryTag(q.queryTag);
          const workload = JSON.stringify([
            tag.airflow?.dagId,
            tag.airflow?.taskId,
            tag.dbt?.model,
            tag.temporal?.activity,
            tag.format === 'json' ? '' : q.queryTag,
          ]);
          const identities = byWorkload.get(workload) ?? new Set<string>();
          identities.add(`${q.userName}|${q.roleName}|${q.queryHash}`);
          byWorkload.set(workload, identities);
        }
      }
    }
    expect(byWorkload.size).toBeGreaterThan(15);
    for (const [workload, identities] of byWorkload) {
      if (parseQueryTag(JSON.parse(workload)[4]).format === 'none') continue; // untagged: several BI users
      expect([workload, identities.size]).toEqual([workload, 1]);
    }
  });

  it('put a runaway day’s extra credits on one planted workload that never runs on other days', () => {
    const runaways = demoAnomalyLabels(YEAR[0], YEAR[YEAR.length - 1], SEED).filter((l) => l.kind === 'runaway');
    expect(runaways.length).toBeGreaterThan(5);
    for (const label of runaways) {
      const wh = warehouseNamed(label.warehouseName);
      const planted = demoRunawayWorkload(wh);
      const isPlanted = (q: QueryCostRecord) => q.queryHash === planted.queryHash;
      const day = demoQueries(wh, label.day, SEED);
      const weekBefore = demoQueries(wh, addDays(label.day, -7), SEED);
      const plantedCredits = total(day.filter(isPlanted));
      const excess = meteredCompute(wh, label.day) - meteredCompute(wh, addDays(label.day, -7));
      expect(excess).toBeGreaterThan(0);
      expect(plantedCredits / excess).toBeGreaterThan(0.8);
      expect(total(day.filter((q) => !isPlanted(q))) / total(weekBefore)).toBeLessThan(1.3);
      expect(
        day.filter(isPlanted).every((q) => q.queryTag === planted.queryTag && q.userName === planted.userName),
      ).toBe(true);
    }
    for (const wh of DEMO_WAREHOUSES) {
      const planted = demoRunawayWorkload(wh);
      for (const day of YEAR) {
        if (demoAnomalyOn(wh, day, SEED) === 'runaway') continue;
        const found = demoQueries(wh, day, SEED).filter(
          (q) =>
            q.queryHash === planted.queryHash || q.userName === planted.userName || q.queryTag === planted.queryTag,
        );
        expect(found).toEqual([]);
      }
    }
  });

  it('let an existing workload grow and take a spike day’s extra credits', () => {
    const spikes = demoAnomalyLabels(YEAR[0], YEAR[YEAR.length - 1], SEED).filter((l) => l.kind === 'spike');
    expect(spikes.length).toBeGreaterThan(5);
    for (const label of spikes) {
      const wh = warehouseNamed(label.warehouseName);
      const grower = demoSpikeWorkload(wh, label.day);
      const day = demoQueries(wh, label.day, SEED);
      const weekBefore = demoQueries(wh, addDays(label.day, -7), SEED);
      const byHash = (queries: QueryCostRecord[]) => {
        const m = new Map<string, number>();
        for (const q of queries) m.set(q.queryHash, (m.get(q.queryHash) ?? 0) + (q.credits ?? 0));
        return m;
      };
      const now = byHash(day);
      const before = byHash(weekBefore);
      expect([...now.keys()].filter((h) => !before.has(h))).toEqual([]); // nothing new
      const growth = [...now].map(([hash, credits]) => ({ hash, growth: credits - (before.get(hash) ?? 0) }));
      growth.sort((a, b) => b.growth - a.growth);
      expect(growth[0].hash).toBe(grower.queryHash);
      const excess = meteredCompute(wh, label.day) - meteredCompute(wh, addDays(label.day, -7));
      expect(growth[0].growth / excess).toBeGreaterThan(0.6);
    }
  });

  it('run a few queries a day across an hour boundary, only into metered hours, and through midnight when metered', () => {
    const etl = warehouseNamed('ETL_WH');
    let straddling = 0;
    for (const day of eachDay('2026-11-01', '2026-11-30')) {
      const metered = new Set(demoHourlyRows(etl, day, SEED).map((r) => r.startTime.getTime()));
      if (metered.size === 0) continue; // an outage
      const crossing = demoQueries(etl, day, SEED).filter(crossesHour);
      expect(crossing.length).toBeGreaterThanOrEqual(1);
      expect(crossing.length).toBeLessThanOrEqual(2);
      for (const q of crossing) {
        expect(metered.has(Math.floor(q.executionStart.getTime() / HOUR_MS) * HOUR_MS)).toBe(true);
        expect(metered.has(Math.floor(q.executionEnd.getTime() / HOUR_MS) * HOUR_MS)).toBe(true);
      }
      straddling += crossing.length;
    }
    expect(straddling).toBeGreaterThan(30);

    // A runaway Saturday on BATCH_WH runs into Sunday's batch window, metered from midnight.
    const batch = warehouseNamed('BATCH_WH');
    expect([demoAnomalyOn(batch, '2025-03-08', SEED), weekday('2025-03-09')]).toEqual(['runaway', 6]);
    const overnight = demoQueries(batch, '2025-03-08', SEED).filter((q) => q.executionEnd >= new Date('2025-03-09'));
    expect(overnight).toHaveLength(1);
    expect(overnight[0].queryHash).toBe(demoRunawayWorkload(batch).queryHash);
  });

  it('carry every tag style: Airflow JSON and key=value, dbt, Temporal, BI key=value, text, none and garbage', () => {
    const day = '2026-11-15'; // a Sunday (the weekly batch runs) without a labelled anomaly
    expect(demoAnomalyLabels(day, day, SEED)).toEqual([]);
    const queries = DEMO_WAREHOUSES.flatMap((wh) => demoQueries(wh, day, SEED));
    const parsed = queries.map((q) => ({ q, tag: parseQueryTag(q.queryTag) }));
    const airflowJson = parsed.find((p) => p.tag.format === 'json' && p.tag.airflow);
    expect(airflowJson?.tag.airflow).toEqual({
      dagId: 'daily_sales',
      taskId: expect.any(String),
      runId: `scheduled__${day}T00:00:00+00:00`,
    });
    const airflowKeyValue = parsed.filter((p) => p.tag.format === 'key-value' && p.tag.airflow);
    expect(new Set(airflowKeyValue.map((p) => `${p.tag.airflow?.dagId}.${p.tag.airflow?.taskId}`))).toEqual(
      new Set(['weekly_rollup.aggregate', 'weekly_rollup.publish', 'nightly_compaction.vacuum']),
    );
    const dbt = parsed.filter((p) => p.tag.dbt).map((p) => p.tag.dbt?.model);
    expect(new Set(dbt)).toEqual(new Set(['orders', 'customers', 'revenue_daily']));
    expect(parsed.find((p) => p.tag.dbt)?.tag.dbt?.project).toBe('shop');
    const dashboards = parsed.filter((p) => p.tag.format === 'key-value' && p.tag.fields.dashboard);
    expect(new Set(dashboards.map((p) => p.tag.fields.dashboard))).toEqual(new Set(['revenue', 'churn', 'ops_kpis']));
    const texts = new Set(parsed.filter((p) => p.tag.format === 'text').map((p) => p.tag.fields.tag));
    expect(texts).toEqual(new Set(['churn model feature exploration', 'ab test readout', '{notebook: scratch']));
    expect(parsed.filter((p) => p.tag.format === 'none').length).toBeGreaterThan(0);

    const temporal = parsed.find((p) => p.tag.temporal);
    const expectedTag = temporalQueryTag({}, {
      workflowType: 'billingExport',
      workflowExecution: { workflowId: `billing-export-${day}`, runId: temporal?.tag.fields.runid },
      activityType: 'exportInvoices',
    } as Info);
    expect(temporal?.q.queryTag).toBe(expectedTag);
    expect(temporal?.tag.fields.runid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('generate a year of the whole organisation in a fraction of a second', () => {
    // Timed in a plain Node process: Jest's module sandbox runs this integer-hashing code several times slower.
    const script = `
      const { DEMO_WAREHOUSES } = require('./activities/sources/demo-org');
      const { demoQueries } = require('./activities/sources/demo-queries');
      const { eachDay } = require('./schemas/dates');
      const year = (from, to, seed) => {
        let count = 0;
        for (const day of eachDay(from, to)) for (const wh of DEMO_WAREHOUSES) count += demoQueries(wh, day, seed).length;
        return count;
      };
      year('2025-01-01', '2025-01-31', 1);
      const started = performance.now();
      const count = year('2026-01-01', '2026-12-31', 42);
      process.stdout.write(JSON.stringify({ count, ms: performance.now() - started }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    const { count, ms } = JSON.parse(out) as { count: number; ms: number };
    expect(count).toBeGreaterThan(50_000);
    // About 0.3 s on an idle 2-core machine; up to three times that when other test runs share it.
    expect(ms).toBeLessThan(2000);
  });
});

describe('the demo source’s queries', () => {
  it('yields what executed on the days asked for, including the day before’s queries running past midnight', async () => {
    const source = createDemoSource(SEED);
    const batches = await collect(source.readQueries!('2025-03-09', '2025-03-10', 100));
    const read = batches.flat();
    expect(batches.every((b) => b.length <= 100)).toBe(true);
    const started = eachDay('2025-03-09', '2025-03-10').flatMap((day) =>
      DEMO_WAREHOUSES.flatMap((wh) => demoQueries(wh, day, SEED)),
    );
    const overnight = DEMO_WAREHOUSES.flatMap((wh) => demoQueries(wh, '2025-03-08', SEED)).filter(
      (q) => q.executionEnd > new Date('2025-03-09T00:00:00Z'),
    );
    expect(overnight).toHaveLength(1);
    const byId = (a: QueryCostRecord, b: QueryCostRecord) => a.queryId.localeCompare(b.queryId);
    expect([...read].sort(byId)).toEqual([...overnight, ...started].sort(byId));
  });

  it('reports its query data published to the end of publishedThrough, or now', async () => {
    expect(await createDemoSource(SEED, { publishedThrough: '2026-11-20' }).queriesPublishedTo!()).toEqual(
      new Date('2026-11-21T00:00:00Z'),
    );
    const now = (await createDemoSource(SEED).queriesPublishedTo!())?.getTime() ?? 0;
    expect(Math.abs(now - Date.now())).toBeLessThan(60_000);
  });
});
