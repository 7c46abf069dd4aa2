import type { DemoWarehouse } from '../../activities/sources/demo-org';
import { demoAnomalyLabels, demoHourlyRows, DEMO_WAREHOUSES } from '../../activities/sources/demo-org';
import { createDemoSource } from '../../activities/sources/demo-source';
import type { HourlyMeteringRow } from '../../activities/sources/metering-source';
import { addDays, eachDay, toIsoDay } from '../../schemas/dates';
import { collect } from '../fixtures/collect';

const SEED = 42;
const YEAR_FROM = '2026-01-01';
const YEAR_TO = '2026-12-31';

async function readDemo(from: string, to: string, batchSize = 10_000): Promise<HourlyMeteringRow[]> {
  return (await collect(createDemoSource(SEED).read(from, to, batchSize))).flat();
}

function warehouseNamed(name: string): DemoWarehouse {
  const wh = DEMO_WAREHOUSES.find((w) => w.name === name);
  if (!wh) throw new Error(`no demo warehouse ${name}`);
  return wh;
}

const dailyCredits = (wh: DemoWarehouse, day: string) =>
  demoHourlyRows(wh, day, SEED).reduce((s, r) => s + r.creditsUsed, 0);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

describe('the demo organisation', () => {
  it('reads a day identically alone or as part of a longer range (re-loads are exact)', async () => {
    const day = '2026-11-20';
    const alone = await readDemo(day, day);
    const inRange = (await readDemo(addDays(day, -3), addDays(day, 3))).filter((r) => toIsoDay(r.startTime) === day);
    expect(alone.length).toBeGreaterThan(0);
    expect(inRange).toEqual(alone);
  });

  it('yields only rows of the days asked for', async () => {
    const rows = await readDemo('2026-11-20', '2026-11-21');
    expect(new Set(rows.map((r) => toIsoDay(r.startTime)))).toEqual(new Set(['2026-11-20', '2026-11-21']));
  });

  it('labels at least one anomaly for every warehouse within 60 days', () => {
    const labels = demoAnomalyLabels('2026-10-01', addDays('2026-10-01', 59), SEED);
    const labelled = new Set(labels.map((l) => l.warehouse));
    expect([...labelled].sort()).toEqual(DEMO_WAREHOUSES.map((w) => `${w.account}.${w.name}`).sort());
  });

  it('meters nothing for a warehouse on an outage day, while the others run', async () => {
    const outage = demoAnomalyLabels(YEAR_FROM, YEAR_TO, SEED).find((l) => l.kind === 'outage');
    if (!outage) throw new Error('expected an outage in a year of demo data');
    const rows = await readDemo(outage.day, outage.day);
    expect(rows.filter((r) => r.account === outage.account && r.warehouseName === outage.warehouseName)).toEqual([]);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('spends more on a runaway day than on the same warehouse’s median day', () => {
    const runaways = demoAnomalyLabels(YEAR_FROM, YEAR_TO, SEED).filter((l) => l.kind === 'runaway');
    expect(runaways.length).toBeGreaterThan(0);
    for (const label of runaways.slice(0, 5)) {
      const wh = warehouseNamed(label.warehouseName);
      const around = eachDay(addDays(label.day, -28), addDays(label.day, 28)).map((d) => dailyCredits(wh, d));
      expect(dailyCredits(wh, label.day)).toBeGreaterThan(median(around));
    }
  });

  it('meters non-negative credits, CREDITS_USED = compute + cloud services', async () => {
    const rows = await readDemo('2026-11-01', '2026-11-30');
    expect(rows.length).toBeGreaterThan(100);
    for (const r of rows) {
      expect(r.creditsUsedCompute).toBeGreaterThanOrEqual(0);
      expect(r.creditsUsedCloudServices).toBeGreaterThanOrEqual(0);
      expect(Math.abs(r.creditsUsed - (r.creditsUsedCompute + r.creditsUsedCloudServices))).toBeLessThan(1e-9);
      expect(r.endTime.getTime() - r.startTime.getTime()).toBe(3_600_000);
    }
  });

  it('yields batches of at most batchSize rows, losing none', async () => {
    const batches = await collect(createDemoSource(SEED).read('2026-11-20', '2026-11-22', 7));
    expect(batches.length).toBeGreaterThan(2);
    batches.slice(0, -1).forEach((b) => expect(b).toHaveLength(7));
    expect(batches[batches.length - 1].length).toBeGreaterThan(0);
    expect(batches[batches.length - 1].length).toBeLessThanOrEqual(7);
    expect(batches.flat()).toEqual(await readDemo('2026-11-20', '2026-11-22'));
  });

  it('gives a different organisation for a different seed', async () => {
    const other = (await collect(createDemoSource(SEED + 1).read('2026-11-20', '2026-11-20', 10_000))).flat();
    expect(other).not.toEqual(await readDemo('2026-11-20', '2026-11-20'));
  });
});
