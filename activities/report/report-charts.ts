/**
 * The report's charts as inline SVG: each warehouse's chart is the Slack alert's (`renderChartSvg`, same band and
 * anomaly marks, the report's last day as focus), and the cost per Temporal workflow type is a stacked bar per day.
 * Everything renders offline; the SVG is made smaller (pixel coordinates to one decimal, no per-mark ARIA text or
 * pointer-events: the page is static) so a report of 200 warehouses stays near 4 MB.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { dayToMs, eachDay } from '../../schemas/dates';
import { renderChartSvg } from '../slack/chart';
import type { ReportData, WarehouseReport, WorkflowTypeDay } from './report-data';

/** Workflow types drawn with their own colour; the rest are summed as "other". */
export const WORKFLOW_TYPE_COLOURS = 8;
export const OTHER_TYPES = 'other';

/** `svg` with coordinates cut to 0.1 px and per-mark ARIA and pointer-events removed (the figure has a label). */
export function compactSvg(svg: string): string {
  return svg
    .replace(/ (?:aria-label|aria-roledescription|aria-hidden|role|pointer-events)="[^"]*"/g, '')
    .replace(/ (d|transform|points|x|y|x1|x2|y1|y2|width|height)="([^"]*)"/g, (_, name: string, value: string) => {
      return ` ${name}="${value.replace(/(\d+\.\d)\d+/g, '$1')}"`;
    });
}

/** The warehouse's credits-vs-expected chart, or null when it has no day with credits in the period. */
export async function warehouseChartSvg(report: WarehouseReport, focus: string): Promise<string | null> {
  if (!report.chart.some((d) => d.actual !== null)) return null;
  return compactSvg(await renderChartSvg({ warehouse: report.warehouse, days: report.chart, focus }));
}

/** Stacked daily credits per Temporal workflow type over every day from `from` to `to`. */
export function buildWorkflowTypeSpec(days: readonly WorkflowTypeDay[], from: string, to: string): TopLevelSpec {
  const totals = new Map<string, number>();
  for (const d of days) totals.set(d.value, (totals.get(d.value) ?? 0) + d.credits);
  const ranked = [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([value]) => value);
  const shown = new Set(ranked.length > WORKFLOW_TYPE_COLOURS ? ranked.slice(0, WORKFLOW_TYPE_COLOURS - 1) : ranked);
  const legend = [...ranked.filter((v) => shown.has(v)), ...(shown.size < ranked.length ? [OTHER_TYPES] : [])];
  const values = new Map<string, { t: number; type: string; credits: number }>();
  for (const d of days) {
    const type = shown.has(d.value) ? d.value : OTHER_TYPES;
    const key = `${d.date}|${type}`;
    const row = values.get(key) ?? { t: dayToMs(d.date), type, credits: 0 };
    row.credits += d.credits;
    values.set(key, row);
  }
  const span = eachDay(from, to).length;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: 600,
    height: 220,
    autosize: { type: 'fit', contains: 'padding' },
    padding: { top: 8, right: 16, bottom: 8, left: 8 },
    background: 'white',
    title: { text: `Credits per Temporal workflow type per day, ${span} days`, anchor: 'start', fontSize: 15 },
    config: { font: 'DejaVu Sans', view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 11 } },
    data: { values: [...values.values()] },
    mark: { type: 'bar', width: { band: 0.8 } },
    encoding: {
      x: {
        field: 't',
        type: 'temporal',
        timeUnit: 'utcyearmonthdate',
        title: null,
        scale: { domain: [dayToMs(from), dayToMs(to)] },
        axis: { format: '%b %-d', labelOverlap: true },
      },
      y: { field: 'credits', type: 'quantitative', aggregate: 'sum', title: 'credits', axis: { format: ',~f' } },
      color: {
        field: 'type',
        type: 'nominal',
        title: null,
        scale: { domain: legend, scheme: 'tableau10' },
        legend: { orient: 'top', direction: 'horizontal', columns: 4, labelLimit: 180 },
      },
      order: { field: 'type' },
    },
  };
}

/** The workflow-type chart as compact SVG. */
export async function workflowTypeChartSvg(
  days: readonly WorkflowTypeDay[],
  from: string,
  to: string,
): Promise<string> {
  return compactSvg(await renderSpecSvg(buildWorkflowTypeSpec(days, from, to)));
}

/** A vega-lite spec rendered headless to SVG with a loader that refuses every URL (the data is inline). */
async function renderSpecSvg(spec: TopLevelSpec): Promise<string> {
  const loader = vega.loader();
  loader.sanitize = (uri: string) => Promise.reject(new Error(`chart tried to load ${uri}: charts render offline`));
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none', loader });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Inline SVG of every chart the report shows (null where a warehouse has nothing to draw). */
export interface ReportCharts {
  /** By warehouse key. */
  warehouses: ReadonlyMap<string, string | null>;
  /** Null when no Temporal workflow type had attributed cost. */
  workflowTypes: string | null;
}

/** Render the report's charts, one warehouse after another. */
export async function renderReportCharts(data: ReportData): Promise<ReportCharts> {
  const warehouses = new Map<string, string | null>();
  for (const w of data.warehouses) warehouses.set(w.warehouse, await warehouseChartSvg(w, data.to));
  const workflowTypes =
    data.workflowTypes.length > 0 ? await workflowTypeChartSvg(data.workflowTypes, data.from, data.to) : null;
  return { warehouses, workflowTypes };
}
