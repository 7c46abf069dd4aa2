/**
 * `snowpatrol report` as a user runs it and views it: the real CLI in a child process against a throwaway Postgres
 * database seeded with builders (metering, features, anomalies with causes and feedback, hourly attribution, cost per
 * workload), then the page opened from disk in Debian's headless Chromium with the network shut: it renders, every
 * warehouse has its chart with a mark per anomaly the Slack chart would mark, nothing is requested beyond the file,
 * and the console stays clean.
 *
 * Without Chromium (or playwright-core) the browser test fails on CI and is skipped locally, saying why.
 */
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { featureVersion } from '../../activities/ml/features';
import { buildReportHtml } from '../../activities/report/html-report';
import { renderReportCharts } from '../../activities/report/report-charts';
import type { ReportData, WarehouseReport } from '../../activities/report/report-data';
import { upsertAnomaly } from '../../activities/store/anomaly-store';
import { openDatabase, type Database } from '../../activities/store/database';
import { recordFeedback } from '../../activities/store/feedback-store';
import type { AnomalyCauses } from '../../schemas/attribution';
import { addDays, dayToMs, eachDay } from '../../schemas/dates';
import { DETECTION_DEFAULTS } from '../../schemas/detection-config';
import {
  anomalies,
  attributionHourly,
  costDaily,
  creditPrices,
  featuresDaily,
  meteringDaily,
} from '../../schemas/tables';
import { insertStubModel, spikeFinding } from '../fixtures/model-version';
import { tempDir } from '../fixtures/temp-dir';
import { chromiumMissing, withChromiumPage } from '../helpers/chromium';
import { isolatedEnv, runCli, type CliResult } from '../helpers/cli';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';

const TO = '2026-11-20';
const FROM = addDays(TO, -29);
const ETL = 'ACME.ETL_WH';
/** A hostile name: if the page did not escape it, the browser would run it. */
const ODD = `ACME.<script>alert("x")</script>&'BI`;
const FEATURE_VERSION = featureVersion(DETECTION_DEFAULTS.windowDays);
const SPIKE_DAY = addDays(TO, -3);
const ACKED_DAY = addDays(TO, -12);
const FALSE_POSITIVE_DAY = addDays(TO, -20);
const ODD_DROP_DAY = addDays(TO, -6);

/** One warehouse's daily metering and features: `expected` credits a day, `actual(day)` used. */
async function seedWarehouse(db: Database['db'], warehouse: string, expected: number, actual: (d: string) => number) {
  const [account, name] = [warehouse.slice(0, warehouse.indexOf('.')), warehouse.slice(warehouse.indexOf('.') + 1)];
  const days = eachDay(FROM, TO);
  await db.insert(meteringDaily).values(
    days.map((d) => ({
      account,
      warehouseName: name,
      warehouse,
      usageDate: d,
      creditsUsed: actual(d),
      creditsUsedCompute: actual(d) * 0.95,
      creditsUsedCloudServices: actual(d) * 0.05,
      hoursMetered: 12,
    })),
  );
  await db.insert(featuresDaily).values(
    days.map((d) => ({
      warehouse,
      usageDate: d,
      credits: actual(d),
      trend: expected,
      seasonal: 0,
      residual: actual(d) - expected,
      sma30: expected,
      std30: expected * 0.05,
      scale: expected * 0.05,
      featureVersion: FEATURE_VERSION,
    })),
  );
}

/** Two attributed hours a day (10 credits metered, 2 of them idle) and the workloads they went to. */
async function seedAttribution(db: Database['db'], warehouse: string) {
  const days = eachDay(FROM, TO);
  await db.insert(attributionHourly).values(
    days.flatMap((d) =>
      [9, 10].map((hour) => ({
        startTime: new Date(dayToMs(d) + hour * 3_600_000),
        account: 'ACME',
        warehouseId: 1,
        warehouse,
        meteredCredits: 10,
        attributedCredits: 8,
        idleCredits: 2,
        queries: 40,
        method: 'reported' as const,
      })),
    ),
  );
  const split: Record<string, Record<string, number>> = {
    query_tag: { 'dbt.orders': 10, 'airflow.load_events': 6 },
    user: { ETL_SVC: 12, ANALYST: 4 },
    query_hash: { '9f2c1e': 11, '4aa0b7': 5 },
    temporal_workflow_type: { billingSync: 5, snowpatrolPipeline: 1.5 },
  };
  await db.insert(costDaily).values(
    days.flatMap((d) =>
      Object.entries(split).flatMap(([dimension, values]) =>
        Object.entries(values).map(([value, credits]) => ({
          usageDate: d,
          warehouse,
          dimension,
          value,
          credits,
          queries: 20,
        })),
      ),
    ),
  );
}

const causes = (excess: number): AnomalyCauses => ({
  method: 'reported',
  explainedAt: `${TO}T06:00:00.000Z`,
  referenceDays: [1, 2, 3, 4].map((w) => addDays(SPIKE_DAY, -7 * w)),
  byDimension: {
    query_tag: [
      { value: 'dbt.orders', credits: 60, usualCredits: 10, growth: 50, shareOfExcess: 50 / excess, kind: 'grown' },
      { value: 'adhoc.backfill', credits: 25, usualCredits: 0, growth: 25, shareOfExcess: 25 / excess, kind: 'new' },
    ],
    user: [{ value: 'ETL_SVC', credits: 70, usualCredits: 12, growth: 58, shareOfExcess: 58 / excess, kind: 'grown' }],
    query_hash: [],
  },
  idle: { credits: 4, usualCredits: 2 },
});

let testDb: TestDatabase;
let database: Database;
let dir: string;
let env: NodeJS.ProcessEnv;
let reportFile: string;
let run: CliResult;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.url, maxConnections: 4 });
  const db = database.db;
  const etlSpikes: Record<string, number> = { [SPIKE_DAY]: 180, [ACKED_DAY]: 160, [FALSE_POSITIVE_DAY]: 150 };
  await seedWarehouse(db, ETL, 100, (d) => etlSpikes[d] ?? 100 + ((dayToMs(d) / 86_400_000) % 5));
  await seedWarehouse(db, ODD, 40, (d) => (d === ODD_DROP_DAY ? 5 : 40));
  await seedAttribution(db, ETL);
  await db.insert(creditPrices).values({
    account: 'ACME',
    usageDate: addDays(FROM, -10),
    currency: 'USD',
    pricePerCredit: 3,
    source: 'test',
  });

  const model = await insertStubModel(db, ETL);
  const finding = (usageDate: string, actual: number) =>
    spikeFinding(model, {
      warehouse: ETL,
      usageDate,
      actual,
      expected: 100,
      excessCredits: actual - 100,
      excessCost: (actual - 100) * 3,
    });
  const spike = await upsertAnomaly(db, finding(SPIKE_DAY, 180));
  await db
    .update(anomalies)
    .set({ causes: causes(80) })
    .where(eq(anomalies.id, spike));
  const acked = await upsertAnomaly(db, finding(ACKED_DAY, 160));
  await recordFeedback(db, {
    anomalyId: acked,
    verdict: 'confirmed',
    author: 'alice',
    comment: 'backfill <ok> & "fine"',
  });
  const fp = await upsertAnomaly(db, finding(FALSE_POSITIVE_DAY, 150));
  await recordFeedback(db, { anomalyId: fp, verdict: 'false_positive', author: 'bob' });
  await upsertAnomaly(
    db,
    spikeFinding(model, {
      warehouse: ODD,
      usageDate: ODD_DROP_DAY,
      actual: 5,
      expected: 40,
      excessCredits: -35,
      excessCost: -105,
      direction: 'drop',
      severity: 'medium',
    }),
  );

  dir = tempDir();
  env = isolatedEnv({ DATABASE_URL: testDb.url, SNOWPATROL_HOME: path.join(dir, 'home') });
  reportFile = path.join(dir, 'report.html');
  run = await runCli(['report', '--from', FROM, '--to', TO, '--out', reportFile], env);
}, 180_000);

afterAll(async () => {
  await database?.close();
  await testDb?.drop();
  if (dir && !process.env.SNOWPATROL_KEEP_REPORT) fs.rmSync(dir, { recursive: true, force: true });
});

describe('snowpatrol report (CLI)', () => {
  it('writes the page and says where, with a one-line summary', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [where, summary, ...rest] = run.stdout.trim().split('\n');
    expect(where).toMatch(new RegExp(`^Wrote ${reportFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+ kB\\)$`));
    expect(summary).toBe(
      `${FROM} → ${TO}: 2 warehouses, ${summaryCredits()} credits (${summaryCost()} USD), idle 20% of compute, 4 anomalies.`,
    );
    expect(rest).toEqual([]);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reports only the warehouses asked for, and names one with no data', async () => {
    const out = path.join(dir, 'etl-only.html');
    const only = await runCli(['report', '--to', TO, '--warehouse', ETL, '--warehouse', 'NOPE.WH', '--out', out], env);
    expect(only.code).toBe(0);
    expect(only.stderr).toBe('no data in this period for: NOPE.WH\n');
    expect(only.stdout).toContain(`${FROM} → ${TO}: 1 warehouse,`);
    const html = fs.readFileSync(out, 'utf8');
    expect(html.match(/<section class="warehouse"/g)).toHaveLength(1);
    expect(html).toContain(`data-warehouse="${ETL}"`);
    expect(html).toContain('No data in this period for: <code>NOPE.WH</code>');
  });

  it.each([
    [['--from', '2026-11-10', '--to', '2026-11-01'], /^snowpatrol: --from 2026-11-10 is after --to 2026-11-01$/],
    [['--from', '2026-13-01'], /--from <date>.*expected a date like 2026-11-20, got "2026-13-01"/],
  ])('rejects %j on one line, exit 1, writing nothing', async (args, message) => {
    const out = path.join(dir, `bad-${args.join('_')}.html`);
    const bad = await runCli(['report', ...args, '--out', out], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')[0]).toMatch(message);
    expect(fs.existsSync(out)).toBe(false);
  });
});

/** Credits of both warehouses over the period, as the summary prints them. */
function summaryCredits(): string {
  return totalCredits().toLocaleString('en-US', { maximumFractionDigits: 1 });
}
function summaryCost(): string {
  return Math.round(totalCredits() * 3).toLocaleString('en-US');
}
function totalCredits(): number {
  const etl = { [SPIKE_DAY]: 180, [ACKED_DAY]: 160, [FALSE_POSITIVE_DAY]: 150 } as Record<string, number>;
  return eachDay(FROM, TO).reduce(
    (s, d) => s + (etl[d] ?? 100 + ((dayToMs(d) / 86_400_000) % 5)) + (d === ODD_DROP_DAY ? 5 : 40),
    0,
  );
}

const missing = chromiumMissing();
const browserSuite = missing && !process.env.CI ? describe.skip : describe;
if (missing && !process.env.CI) process.stderr.write(`report-browser: skipping the Chromium test: ${missing}\n`);

/** The little of the DOM the page check reads (the project's TypeScript has no DOM library). */
interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number };
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
}
interface PageDocument extends PageElement {
  title: string;
  body: { scrollHeight: number };
}

browserSuite('the report in headless Chromium', () => {
  it('renders every warehouse with its chart and anomaly marks, offline, without console errors', async () => {
    if (missing) throw new Error(`Chromium is needed on CI: ${missing}`);
    const shots = process.env.SNOWPATROL_KEEP_REPORT ?? dir;
    const { result: page, record } = await withChromiumPage(`file://${reportFile}`, async (p) => {
      await p.screenshot({ path: path.join(shots, 'report.png'), fullPage: true });
      return p.evaluate(() => {
        const doc = (globalThis as unknown as { document: PageDocument }).document;
        const all = (root: PageElement, selector: string) => Array.from(root.querySelectorAll(selector));
        return {
          title: doc.title,
          scripts: all(doc, 'script').length,
          bodyHeight: doc.body.scrollHeight,
          workflowChart: all(doc, '#workflow-types figure svg .mark-rect path').length,
          warehouses: all(doc, 'section.warehouse').map((s) => ({
            name: s.querySelector('h2')?.textContent ?? '',
            charts: all(s, 'figure.chart svg').length,
            chartWidth: s.querySelector('figure.chart svg')?.getBoundingClientRect().width ?? 0,
            anomalyMarks: all(s, 'svg .anomalies_marks path').length,
            anomalyRows: all(s, 'tr.anomaly').length,
            noAttribution: s.querySelector('.no-attribution')?.textContent ?? null,
            dimensions: all(s, 'table.dimension').map((t) => t.getAttribute('data-dimension')),
            causes: all(s, 'td.causes li .value').map((e) => e.textContent),
            feedback: all(s, 'td.feedback li').map((e) => e.textContent),
          })),
        };
      });
    });

    expect(record.errors).toEqual([]);
    expect(record.failedRequests).toEqual([]);
    expect(record.requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    expect(page.scripts).toBe(0);
    expect(page.title).toContain(`${FROM} → ${TO}`);
    expect(page.workflowChart).toBeGreaterThan(0);

    const [etl, odd] = page.warehouses;
    expect(page.warehouses.map((w) => w.name)).toEqual([ETL, ODD]);
    for (const w of page.warehouses) {
      expect(w.charts).toBe(1);
      expect(w.chartWidth).toBeGreaterThan(400);
    }
    // The Slack chart's rule: days called false positives are listed, not marked.
    expect(etl.anomalyRows).toBe(3);
    expect(etl.anomalyMarks).toBe(2);
    expect(etl.dimensions).toEqual(['query_tag', 'user', 'query_hash', 'temporal_workflow_type']);
    expect(etl.causes).toEqual(['dbt.orders', 'adhoc.backfill', 'ETL_SVC']);
    // Anomalies by date: the false positive (20 days back) before the confirmed one (12 days back).
    expect(etl.feedback).toEqual([
      expect.stringContaining('false positive by bob'),
      expect.stringContaining('confirmed by alice: “backfill <ok> & "fine"”'),
    ]);
    expect(etl.noAttribution).toBeNull();
    expect(odd.anomalyMarks).toBe(1);
    expect(odd.noAttribution).toContain('no query attribution');
    expect(odd.dimensions).toEqual([]);

    const png = fs.readFileSync(path.join(shots, 'report.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1280);
    expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(page.bodyHeight);
  });
});

/** A synthetic warehouse of 30 days with a spike, an explained anomaly and five values in each dimension. */
function syntheticWarehouse(i: number): WarehouseReport {
  const warehouse = `ACCOUNT_${i % 7}.WAREHOUSE_NUMBER_${i}`;
  const chart = eachDay(FROM, TO).map((date, k) => ({
    date,
    actual: 50 + ((i * 7 + k * 13) % 17) + (k === 25 ? 60 : 0),
    expected: 55,
    low: 45,
    high: 65,
    ...(k === 25 ? { anomaly: 'spike' as const } : {}),
  }));
  const values = (prefix: string) =>
    Array.from({ length: 5 }, (_, v) => ({
      value: `${prefix}_${i}_${v}`,
      credits: 100 - v * 10,
      queries: 50,
      share: 0.1,
    }));
  return {
    warehouse,
    credits: 1700,
    cost: [{ amount: 5100, currency: 'USD' }],
    chart,
    attribution: { meteredCredits: 1500, attributedCredits: 1200, idleCredits: 300, queries: 9000, idleShare: 0.2 },
    costs: (['query_tag', 'user', 'query_hash'] as const).map((dimension) => ({
      dimension,
      values: values(dimension),
      distinctValues: 40,
      otherCredits: 400,
    })),
    anomalies: [
      {
        id: i,
        usageDate: chart[25].date,
        actual: 120,
        expected: 55,
        excessCredits: 65,
        excessCost: { amount: 195, currency: 'USD' },
        direction: 'spike',
        severity: 'high',
        status: 'open',
        causes: causes(65),
        feedback: [{ verdict: 'confirmed', author: 'alice', comment: 'known backfill', createdAt: `${TO}T08:00:00Z` }],
      },
    ],
  };
}

describe('a report of 200 warehouses', () => {
  it('stays under 5 MB', async () => {
    const warehouses = Array.from({ length: 200 }, (_, i) => syntheticWarehouse(i));
    const data: ReportData = {
      from: FROM,
      to: TO,
      days: 30,
      generatedAt: `${TO}T09:00:00Z`,
      totals: { credits: 340_000, cost: [{ amount: 1_020_000, currency: 'USD' }], attribution: null, anomalies: 200 },
      warehouses,
      missing: [],
      workflowTypes: [],
    };
    const html = buildReportHtml(data, await renderReportCharts(data));
    expect((html.match(/<figure class="chart"/g) ?? []).length).toBe(200);
    expect(Buffer.byteLength(html)).toBeLessThan(5_000_000);
  }, 120_000);
});
