/**
 * The report page built from data (no database): every value escaped, one section per warehouse with its chart,
 * workloads and anomalies, nothing that would load from the network, and the "no query attribution" case.
 */
import { buildReportHtml, escapeHtml, NO_ATTRIBUTION } from '../../activities/report/html-report';
import { renderReportCharts, type ReportCharts } from '../../activities/report/report-charts';
import type { ReportAnomaly, ReportData, WarehouseReport } from '../../activities/report/report-data';
import type { CauseContributor } from '../../schemas/attribution';
import { addDays, eachDay } from '../../schemas/dates';

const TO = '2026-11-20';
const FROM = addDays(TO, -29);
const HOSTILE = '<script>alert(1)</script>';

function contributor(value: string, growth: number, kind: 'new' | 'grown' = 'grown'): CauseContributor {
  return {
    value,
    credits: growth + 10,
    usualCredits: kind === 'new' ? 0 : 10,
    growth,
    shareOfExcess: growth / 80,
    kind,
  };
}

function anomaly(overrides: Partial<ReportAnomaly> = {}): ReportAnomaly {
  return {
    id: 7,
    usageDate: addDays(TO, -2),
    actual: 180,
    expected: 100,
    excessCredits: 80,
    excessCost: { amount: 240, currency: 'USD' },
    direction: 'spike',
    severity: 'high',
    status: 'open',
    causes: {
      method: 'reported',
      explainedAt: `${TO}T06:00:00Z`,
      referenceDays: [addDays(TO, -9), addDays(TO, -16)],
      byDimension: {
        query_tag: [
          contributor('dbt.orders', 40),
          contributor('adhoc.backfill', 20, 'new'),
          contributor('airflow.load', 10),
          contributor('fourth.tag', 5),
        ],
        user: [contributor('ETL_SVC', 50)],
        query_hash: [],
      },
      idle: { credits: 4, usualCredits: 2 },
    },
    feedback: [{ verdict: 'confirmed', author: 'alice', comment: 'a backfill', createdAt: `${TO}T08:00:00Z` }],
    ...overrides,
  };
}

function warehouse(name: string, overrides: Partial<WarehouseReport> = {}): WarehouseReport {
  return {
    warehouse: name,
    credits: 3000,
    cost: [{ amount: 9000, currency: 'USD' }],
    chart: eachDay(FROM, TO).map((date, i) => ({
      date,
      actual: i === 27 ? 180 : 100,
      expected: 100,
      low: 90,
      high: 110,
      ...(i === 27 ? { anomaly: 'spike' as const } : {}),
    })),
    attribution: { meteredCredits: 600, attributedCredits: 480, idleCredits: 120, queries: 2400, idleShare: 0.2 },
    costs: [
      {
        dimension: 'query_tag',
        values: [{ value: 'dbt.orders', credits: 300, queries: 1000, share: 0.5 }],
        distinctValues: 3,
        otherCredits: 180,
      },
      {
        dimension: 'user',
        values: [{ value: 'ETL_SVC', credits: 360, queries: 2000, share: 0.6 }],
        distinctValues: 1,
        otherCredits: 0,
      },
    ],
    anomalies: [anomaly()],
    ...overrides,
  };
}

function report(warehouses: WarehouseReport[], overrides: Partial<ReportData> = {}): ReportData {
  return {
    from: FROM,
    to: TO,
    days: 30,
    generatedAt: `${TO}T09:00:00Z`,
    totals: {
      credits: warehouses.reduce((s, w) => s + w.credits, 0),
      cost: [{ amount: 9000 * warehouses.length, currency: 'USD' }],
      attribution: null,
      anomalies: warehouses.reduce((s, w) => s + w.anomalies.length, 0),
    },
    warehouses,
    missing: [],
    workflowTypes: [],
    ...overrides,
  };
}

/** Placeholder SVG per warehouse, for tests about the page around the charts. */
function fakeCharts(data: ReportData): ReportCharts {
  return {
    warehouses: new Map(data.warehouses.map((w) => [w.warehouse, '<svg class="fake-chart"></svg>'])),
    workflowTypes: data.workflowTypes.length > 0 ? '<svg class="fake-workflow-chart"></svg>' : null,
  };
}

/** The HTML of each warehouse's section, in page order. */
function sections(html: string): string[] {
  return html
    .split('<section class="warehouse"')
    .slice(1)
    .map((s) => s.slice(0, s.indexOf('</section>')));
}

describe('buildReportHtml', () => {
  it('shows a hostile warehouse name, tag and comment only escaped, in the page and in its chart', async () => {
    const data = report([
      warehouse(`ACME.${HOSTILE}`, {
        costs: [
          {
            dimension: 'query_tag',
            values: [{ value: `"tag" & 'more' ${HOSTILE}`, credits: 10, queries: 1, share: 0.1 }],
            distinctValues: 1,
            otherCredits: 0,
          },
        ],
        anomalies: [
          anomaly({
            feedback: [{ verdict: 'confirmed', author: HOSTILE, comment: `x" onmouseover="alert(2)`, createdAt: TO }],
          }),
        ],
      }),
    ]);
    const html = buildReportHtml(data, await renderReportCharts(data));
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('onmouseover="');
    expect(html).toContain(`<h2>ACME.${escapeHtml(HOSTILE)}</h2>`);
    expect(html).toContain(`data-warehouse="ACME.${escapeHtml(HOSTILE)}"`);
    expect(html).toContain(escapeHtml(`"tag" & 'more' ${HOSTILE}`));
    // vega escapes the title it draws: the name is in the chart, as text.
    expect(html).toContain('ACME.&lt;script&gt;alert(1)&lt;/script&gt; — credits per day');
  });

  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  });

  it('has one section per warehouse, in the order given, each with its chart, workloads and anomalies', () => {
    const data = report([warehouse('ACME.ETL_WH'), warehouse('ACME.BI_WH', { anomalies: [] })]);
    const html = buildReportHtml(data, fakeCharts(data));
    const [etl, bi] = sections(html);
    expect(sections(html)).toHaveLength(2);
    expect(etl).toContain('<h2>ACME.ETL_WH</h2>');
    expect(bi).toContain('<h2>ACME.BI_WH</h2>');
    for (const s of [etl, bi]) {
      expect(s.match(/<figure class="chart"[^>]*><svg class="fake-chart">/g)).toHaveLength(1);
      expect(s).toContain('<h3>Cost by workload</h3>');
      expect(s).toContain('idle 20% of compute');
      expect(s).toContain('<table class="dimension" data-dimension="query_tag">');
      expect(s).toContain('<td class="value">dbt.orders</td>');
      expect(s).toContain('2 other values');
    }
    expect(etl).toContain('<table class="anomalies">');
    expect(bi).toContain('No anomalies in this period.');
    expect(html).toContain(`${FROM} → ${TO}`);
    // The overview links each warehouse to its section.
    expect(html).toContain('<a href="#wh-0">ACME.ETL_WH</a>');
    expect(html).toContain('<a href="#wh-1">ACME.BI_WH</a>');
  });

  it('loads nothing: a strict CSP, no script, and every src or href a link within the page', async () => {
    const data = report([warehouse('ACME.ETL_WH')], {
      workflowTypes: [{ date: TO, value: 'billingSync', credits: 5, queries: 10 }],
    });
    const html = buildReportHtml(data, await renderReportCharts(data));
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    const targets = [...html.matchAll(/\s(?:src|href|xlink:href|action)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]);
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((t) => !t.startsWith('#'))).toEqual([]);
  });

  it('lists each anomaly with its numbers, at most three causes per dimension, and the feedback', () => {
    const data = report([warehouse('ACME.ETL_WH')]);
    const [etl] = sections(buildReportHtml(data, fakeCharts(data)));
    const row = etl.slice(etl.indexOf('<tr class="anomaly spike" data-anomaly-id="7">'));
    expect(row).toContain(`<td class="date">${addDays(TO, -2)}</td>`);
    expect(row).toMatch(
      /<td class="num">180\.0<\/td><td class="num">100\.0<\/td><td class="num">\+80\.0<br><small>\$240<\/small>/,
    );
    expect(row).toContain('<span class="severity high">high</span> spike');
    expect(row).toContain('<td>open</td>');
    const causes = row.slice(row.indexOf('<td class="causes">'), row.indexOf('<td class="feedback">'));
    expect([...causes.matchAll(/<span class="value">([^<]*)<\/span>/g)].map((m) => m[1])).toEqual([
      'dbt.orders',
      'adhoc.backfill',
      'airflow.load',
      'ETL_SVC',
    ]);
    expect(causes).toContain('+40.0 <small>(50% of excess, usually 10.0)</small>');
    expect(causes).toContain('+20.0 <small>(25% of excess, new)</small>');
    expect(causes).toContain('Idle 4.0 (usually 2.0)');
    expect(row).toContain('<li><b>confirmed</b> by alice: “a backfill” <small>2026-11-20</small></li>');
  });

  it('says an anomaly without causes is not explained yet, and one without feedback has none', () => {
    const data = report([warehouse('ACME.ETL_WH', { anomalies: [anomaly({ causes: null, feedback: [] })] })]);
    const [etl] = sections(buildReportHtml(data, fakeCharts(data)));
    expect(etl).toContain('<td class="causes"><span class="muted">not explained yet</span></td>');
    expect(etl).toContain('<td class="feedback"><span class="muted">none</span></td>');
  });

  it('shows "no query attribution" instead of empty tables for a warehouse without attribution', () => {
    const data = report([warehouse('ACME.ETL_WH'), warehouse('ACME.BI_WH', { attribution: null, costs: [] })]);
    const html = buildReportHtml(data, fakeCharts(data));
    const [etl, bi] = sections(html);
    expect(bi).toContain(`<p class="no-attribution">${NO_ATTRIBUTION} in this period.</p>`);
    expect(bi).not.toContain('<table class="dimension"');
    expect(etl).not.toContain('no-attribution');
    expect(html).toMatch(/<a href="#wh-1">ACME.BI_WH<\/a><\/td>.*<td class="num">no query attribution<\/td>/);
  });

  it('has the workflow-type section only when that dimension has data, with totals per type', () => {
    const without = report([warehouse('ACME.ETL_WH')]);
    expect(buildReportHtml(without, fakeCharts(without))).not.toContain('Cost per Temporal workflow type');
    const data = report([warehouse('ACME.ETL_WH')], {
      workflowTypes: [
        { date: addDays(TO, -1), value: 'billingSync', credits: 6, queries: 10 },
        { date: TO, value: 'billingSync', credits: 4, queries: 10 },
        { date: TO, value: 'snowpatrolPipeline', credits: 10, queries: 5 },
      ],
    });
    const html = buildReportHtml(data, fakeCharts(data));
    const section = html.slice(
      html.indexOf('<section id="workflow-types"'),
      html.indexOf('<section class="warehouse"'),
    );
    expect(section).toContain('<svg class="fake-workflow-chart">');
    expect(section).toContain(
      '<tr><td class="value">billingSync</td><td class="num">10.0</td><td class="num">0.3</td><td class="num">50%</td>' +
        '<td class="num">20</td><td class="num">2</td></tr>',
    );
  });

  it('says so when the period has no data, and names requested warehouses that had none', () => {
    const data = report([], { missing: [`NOPE.${HOSTILE}`] });
    const html = buildReportHtml(data, fakeCharts(data));
    expect(html).toContain('No warehouse has data in this period.');
    expect(html).toContain(`No data in this period for: <code>NOPE.${escapeHtml(HOSTILE)}</code>`);
    expect(sections(html)).toEqual([]);
  });
});
