/**
 * The anomaly chart attached to a Slack alert: one warehouse's daily credits against its expected band, with the
 * anomalous days marked and the day the alert is about emphasised. `buildChartSpec` is pure (same input, same
 * vega-lite spec); the renderers turn that spec into SVG (vega, headless) and PNG (resvg) entirely offline.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { addDays, dayToMs, daysBetween, eachDay } from '../../schemas/dates';

/** One day of a warehouse's chart. */
export interface ChartDay {
  /** The usage day, `YYYY-MM-DD` (UTC). */
  date: string;
  /** Credits used that day; null when there is no data (the line breaks there). */
  actual: number | null;
  /** The model's expected credits; null when there is no model yet. */
  expected: number | null;
  /** Lower edge of the expected band. */
  low: number | null;
  /** Upper edge of the expected band. */
  high: number | null;
  /** Set when the day was flagged as anomalous. */
  anomaly?: 'spike' | 'drop';
}

/** Everything the chart shows. */
export interface ChartInput {
  warehouse: string;
  /** The days to draw, in any order; at least one. Days missing between the first and last count as no data. */
  days: ChartDay[];
  /** The day the alert is about (`YYYY-MM-DD`). */
  focus: string;
  /** When set, the values are amounts in this currency rather than credits, and the labels say so. */
  currency?: string;
}

/** Size of the SVG in CSS pixels; the PNG is rendered at twice this so text stays crisp in Slack. */
const SVG_SIZE = { width: 600, height: 260 } as const;
const ZOOM = 2;

/** The PNG's pixel size. */
export const CHART_SIZE: { width: number; height: number } = {
  width: SVG_SIZE.width * ZOOM,
  height: SVG_SIZE.height * ZOOM,
};

/** Names of the chart's mark layers, so callers and tests can find them in the spec or the SVG. */
export const CHART_LAYERS = {
  focusColumn: 'focus_column',
  band: 'band',
  /** A short bar for a band day with no band either side (an area needs two days to show). */
  bandStub: 'band_stub',
  expected: 'expected',
  expectedStub: 'expected_stub',
  actual: 'actual',
  anomalies: 'anomalies',
  focusValue: 'focus_value',
} as const;

const FONT = 'DejaVu Sans';
const DAY_MS = 86_400_000;
/** Charts shorter than this many days are padded so a lone day is a point, not the whole width. */
const MIN_VISIBLE_DAYS = 7;
/** Half the width of the stub drawn for a band or expected value whose neighbours have none. */
const STUB_HALF_WIDTH = 0.3 * DAY_MS;
const HEADROOM = 1.15;

const SERIES = {
  band: { label: 'expected range', color: '#dbe4ee' },
  expected: { label: 'expected', color: '#64748b' },
  actual: { label: 'actual', color: '#1e293b' },
  spike: { label: 'spike', color: '#dc2626' },
  drop: { label: 'drop', color: '#2563eb' },
} as const;
type Series = keyof typeof SERIES;

const FOCUS_COLOR = '#f59e0b';
const GRID_COLOR = '#eef2f6';
const MUTED_TEXT = '#475569';

/** One row of the chart's inline data: one calendar day, as epoch milliseconds (UTC midnight) plus its values. */
interface ChartRow {
  t: number;
  date: string;
  actual: number | null;
  expected: number | null;
  low: number | null;
  high: number | null;
  anomaly: 'spike' | 'drop' | null;
  focus: boolean;
  /** The band (or expected value) exists this day but on neither neighbour, so an area or line would not show it. */
  bandAlone: boolean;
  expectedAlone: boolean;
}

const finite = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);

/** `n` with one decimal, or none from 1,000 up (where the decimal is noise). */
function formatAmount(n: number): string {
  const decimals = Math.abs(n) >= 1000 ? 0 : 1;
  return n.toLocaleString('en-US', { maximumFractionDigits: decimals, minimumFractionDigits: decimals });
}

/** One row per calendar day from the first day (or the focus) to the last, with gaps filled by empty days. */
function chartRows(input: ChartInput): ChartRow[] {
  const byDate = new Map(input.days.map((d) => [d.date, d]));
  const dates = [...byDate.keys(), input.focus].sort();
  const rows = eachDay(dates[0], dates[dates.length - 1]).map((date) => {
    const d = byDate.get(date);
    const [low, high] = [d?.low, d?.high];
    const band = finite(low) && finite(high);
    return {
      t: dayToMs(date),
      date,
      actual: finite(d?.actual) ? d.actual : null,
      expected: finite(d?.expected) ? d.expected : null,
      low: band ? Math.min(low, high) : null,
      high: band ? Math.max(low, high) : null,
      anomaly: d?.anomaly ?? null,
      focus: date === input.focus,
      bandAlone: false,
      expectedAlone: false,
    };
  });
  rows.forEach((row, i) => {
    const [prev, next] = [rows[i - 1], rows[i + 1]];
    row.bandAlone = row.low !== null && prev?.low == null && next?.low == null;
    row.expectedAlone = row.expected !== null && prev?.expected == null && next?.expected == null;
  });
  return rows;
}

/**
 * The vega-lite spec for `input`'s chart: pure and deterministic, with the data inline (no URLs, so rendering never
 * touches the network). Throws a RangeError when there are no days.
 */
export function buildChartSpec(input: ChartInput): TopLevelSpec {
  if (input.days.length === 0) throw new RangeError(`chart for ${input.warehouse}: no days to draw`);
  const rows = chartRows(input);
  const [first, last] = [rows[0].date, rows[rows.length - 1].date];
  const span = rows.length;
  const unit = input.currency ?? 'credits';
  const focusMs = dayToMs(input.focus);
  const focusRow = rows.find((r) => r.focus);

  const has = (pick: (r: ChartRow) => boolean) => rows.some(pick);
  const present = (Object.keys(SERIES) as Series[]).filter((s) =>
    s === 'band'
      ? has((r) => r.low !== null)
      : s === 'expected'
        ? has((r) => r.expected !== null)
        : s === 'actual'
          ? has((r) => r.actual !== null)
          : has((r) => r.anomaly === s && r.actual !== null),
  );

  const values = rows.flatMap((r) => [r.actual, r.expected, r.low, r.high]).filter(finite);
  const yMin = Math.min(0, ...values);
  // Headroom above the highest value keeps the focus ring clear of the legend.
  const yMax = Math.max(yMin + 1, ...values) * HEADROOM;
  const pad = Math.max(0.5, (MIN_VISIBLE_DAYS - span) / 2) * DAY_MS;
  const xScale = {
    type: 'utc' as const,
    // domainMin/Max rather than domain: vega-lite mis-merges an explicit temporal domain with an x2 channel.
    domainMin: dayToMs(first) - pad,
    domainMax: dayToMs(last) + pad,
  };
  const yScale = { domain: [yMin, yMax], nice: true, zero: true };

  // One colour scale shared by every layer gives one legend for band, lines and anomaly points; the legend's
  // symbols are shaped per entry so each looks like the mark it explains.
  const legend = {
    title: null,
    orient: 'top' as const,
    direction: 'horizontal' as const,
    symbolSize: 150,
    symbolStrokeWidth: 2,
    columnPadding: 16,
    offset: 6,
    encode: {
      symbols: {
        update: {
          shape: {
            signal: bySeries(present, (s) => (isLine(s) ? "'stroke'" : s === 'band' ? "'square'" : "'circle'")),
          },
          strokeDash: { signal: bySeries(present, (s) => (s === 'expected' ? '[4, 3]' : '[]')) },
          opacity: { value: 1 },
        },
      },
    },
  };
  const colorScale = { domain: present.map((s) => SERIES[s].label), range: present.map((s) => SERIES[s].color) };
  const color = (s: Series) => ({ datum: SERIES[s].label, type: 'nominal' as const, scale: colorScale, legend });
  const y = (field: 'actual' | 'expected' | 'low') => ({
    field,
    type: 'quantitative' as const,
    title: unit,
    scale: yScale,
    axis: { format: ',~f', tickCount: 5, domain: false, ticks: false },
  });
  const stubX = { x: { field: 't0', type: 'temporal' as const }, x2: { field: 't1' } };
  const stubTransform = spanAround(STUB_HALF_WIDTH);

  const bandLayers = present.includes('band')
    ? [
        {
          name: CHART_LAYERS.band,
          transform: [{ filter: 'isValid(datum.low)' }],
          mark: { type: 'area' as const },
          encoding: { y: y('low'), y2: { field: 'high' }, color: color('band') },
        },
        ...(has((r) => r.bandAlone)
          ? [
              {
                name: CHART_LAYERS.bandStub,
                transform: [{ filter: 'datum.bandAlone' }, ...stubTransform],
                mark: { type: 'rect' as const },
                encoding: { ...stubX, y: y('low'), y2: { field: 'high' }, color: color('band') },
              },
            ]
          : []),
      ]
    : [];
  const expectedLayers = present.includes('expected')
    ? [
        {
          name: CHART_LAYERS.expected,
          mark: { type: 'line' as const, strokeDash: [5, 4], strokeWidth: 1.5 },
          encoding: { y: y('expected'), color: color('expected') },
        },
        ...(has((r) => r.expectedAlone)
          ? [
              {
                name: CHART_LAYERS.expectedStub,
                transform: [{ filter: 'datum.expectedAlone' }, ...stubTransform],
                mark: { type: 'rule' as const, strokeDash: [5, 4], strokeWidth: 1.5 },
                encoding: { ...stubX, y: y('expected'), color: color('expected') },
              },
            ]
          : []),
      ]
    : [];
  const actualLayers = present.includes('actual')
    ? [
        {
          name: CHART_LAYERS.actual,
          mark: { type: 'line' as const, strokeWidth: 2, point: { size: 18, filled: true } },
          encoding: { y: y('actual'), color: color('actual') },
        },
      ]
    : [];
  const anomalyLayers =
    present.includes('spike') || present.includes('drop')
      ? [
          {
            name: CHART_LAYERS.anomalies,
            transform: [{ filter: 'isValid(datum.anomaly) && isValid(datum.actual)' }],
            mark: { type: 'point' as const, shape: 'circle', size: 110, filled: true, opacity: 1, stroke: 'white' },
            encoding: {
              y: y('actual'),
              color: { field: 'anomaly', type: 'nominal' as const, scale: colorScale, legend },
            },
          },
        ]
      : [];

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: SVG_SIZE.width,
    height: SVG_SIZE.height,
    autosize: { type: 'fit', contains: 'padding' },
    padding: { top: 8, right: 16, bottom: 8, left: 8 },
    background: 'white',
    title: {
      text: `${input.warehouse} — ${unit} per day, last ${span} ${span === 1 ? 'day' : 'days'}`,
      subtitle: focusSubtitle(input.focus, focusRow, unit),
      anchor: 'start',
      fontSize: 15,
      subtitleFontSize: 12,
      subtitleColor: MUTED_TEXT,
      subtitlePadding: 4,
      offset: 6,
      // Long warehouse names are cut with an ellipsis rather than squeezing the plot.
      limit: SVG_SIZE.width - 24,
    },
    config: {
      font: FONT,
      view: { stroke: null },
      axis: {
        labelFontSize: 11,
        labelColor: MUTED_TEXT,
        titleFontSize: 11,
        titleColor: MUTED_TEXT,
        gridColor: GRID_COLOR,
      },
      legend: { labelFontSize: 11, labelColor: '#334155' },
    },
    data: { values: rows },
    encoding: {
      x: {
        field: 't',
        type: 'temporal',
        title: null,
        scale: xScale,
        axis: {
          values: xTicks(first, last, input.focus),
          format: span > 180 ? '%b %-d, %Y' : '%b %-d',
          labelFontWeight: { condition: { test: `time(datum.value) === ${focusMs}`, value: 'bold' }, value: 'normal' },
          labelColor: { condition: { test: `time(datum.value) === ${focusMs}`, value: '#111827' }, value: MUTED_TEXT },
          tickColor: '#cbd5e1',
          domainColor: '#cbd5e1',
          labelOverlap: true,
        },
      },
    },
    layer: [
      ...bandLayers,
      {
        // A pale column over the focus day, so the eye lands there before reading the axis.
        name: CHART_LAYERS.focusColumn,
        transform: [{ filter: 'datum.focus' }, ...spanAround(DAY_MS / 2)],
        mark: { type: 'rect' as const, color: FOCUS_COLOR, opacity: 0.2 },
        encoding: stubX,
      },
      ...expectedLayers,
      ...actualLayers,
      ...anomalyLayers,
      ...focusValueLayers(focusRow, y('actual'), labelPlacement(rows, yMin, yMax)),
    ],
  };
}

/** Calculated fields `t0`/`t1`: the row's day widened by `halfWidth` milliseconds either side. */
function spanAround(halfWidth: number) {
  return [
    { calculate: `datum.t - ${halfWidth}`, as: 't0' },
    { calculate: `datum.t + ${halfWidth}`, as: 't1' },
  ];
}

interface LabelPlacement {
  /** The side facing the middle of the chart, so the label never runs off the edge. */
  inward: 'left' | 'right';
  vertical: 'above' | 'below';
}

/**
 * Where the focus value's label goes: inwards, and on the side of the point away from the line arriving from that
 * side (above when the neighbour is lower, below when it is higher, unless the point sits on the floor).
 */
function labelPlacement(rows: readonly ChartRow[], yMin: number, yMax: number): LabelPlacement {
  const i = rows.findIndex((r) => r.focus);
  const value = rows[i]?.actual ?? 0;
  const inward = i > (rows.length - 1) / 2 ? 'left' : 'right';
  const neighbour = rows[inward === 'left' ? i - 1 : i + 1]?.actual ?? null;
  const nearFloor = value - yMin < (yMax - yMin) * 0.2;
  return { inward, vertical: neighbour !== null && neighbour > value && !nearFloor ? 'below' : 'above' };
}

/**
 * A ring around the focus day's value and the value written beside it, with a white halo under the text so it
 * stays readable where it crosses a line or the band.
 */
function focusValueLayers(row: ChartRow | undefined, y: object, place: LabelPlacement) {
  if (!row || row.actual === null) return [];
  const label = {
    type: 'text' as const,
    align: place.inward === 'left' ? ('right' as const) : ('left' as const),
    baseline: place.vertical === 'above' ? ('bottom' as const) : ('top' as const),
    dx: place.inward === 'left' ? -10 : 10,
    dy: place.vertical === 'above' ? -8 : 8,
    fontSize: 12,
    fontWeight: 'bold' as const,
  };
  const text = { value: formatAmount(row.actual) };
  return [
    {
      name: CHART_LAYERS.focusValue,
      transform: [{ filter: 'datum.focus' }],
      encoding: { y },
      layer: [
        {
          mark: {
            type: 'point' as const,
            shape: 'circle',
            size: 420,
            filled: false,
            strokeWidth: 2,
            color: FOCUS_COLOR,
            opacity: 1,
          },
        },
        {
          mark: { ...label, stroke: 'white', strokeWidth: 4, strokeJoin: 'round' as const, fill: 'white' },
          encoding: { text },
        },
        {
          mark: { ...label, fill: row.anomaly ? SERIES[row.anomaly].color : SERIES.actual.color },
          encoding: { text },
        },
      ],
    },
  ];
}

const isLine = (s: Series) => s === 'expected' || s === 'actual';

/** A vega expression choosing, by legend label, the expression `pick` gives for each series. */
function bySeries(present: readonly Series[], pick: (s: Series) => string): string {
  return present.reduceRight((rest, s) => `datum.value === '${SERIES[s].label}' ? ${pick(s)} : ${rest}`, 'null');
}

/** Tick days: every day for short charts, else every week or more, counted back from the focus day so it is labelled. */
function xTicks(first: string, last: string, focus: string): number[] {
  const span = daysBetween(first, last) + 1;
  const step = span <= 14 ? 1 : span <= 70 ? 7 : span <= 140 ? 14 : span <= 280 ? 28 : 56;
  const ticks: number[] = [];
  const start = -Math.floor(daysBetween(first, focus) / step) * step;
  for (let k = start; addDays(focus, k) <= last; k += step) ticks.push(dayToMs(addDays(focus, k)));
  return ticks;
}

function focusSubtitle(focus: string, row: ChartRow | undefined, unit: string): string {
  if (!row || row.actual === null) return `${focus}: no data`;
  let text = `${focus}: ${formatAmount(row.actual)} ${unit}`;
  if (row.expected !== null) text += `, expected ${formatAmount(row.expected)}`;
  if (row.low !== null && row.high !== null) text += ` (range ${formatAmount(row.low)}–${formatAmount(row.high)})`;
  if (row.anomaly) text += ` — ${row.anomaly}`;
  return text;
}

/**
 * Advance widths of DejaVu Sans for printable ASCII (space to `~`), in thousandths of an em, read from the
 * font's hmtx table. Vega lays text out before resvg draws it; without a canvas it guesses 0.8 em per
 * character, which leaves ragged gaps in the legend and wastes room for the plot.
 */
// prettier-ignore
const DEJAVU_SANS_WIDTHS = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
  636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
  1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
  603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
  500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
  635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];
/** Bold glyphs are up to ~15% wider; a further 3% keeps estimates on the safe (too wide) side. */
const BOLD_FACTOR = 1.15;
const SAFETY = 1.03;

interface TextItem {
  fontSize?: number;
  fontWeight?: number | string;
  /** Vega truncates text to this many pixels (with an ellipsis) when it is set. */
  limit?: number;
}
interface TextMetrics {
  width: (item: TextItem, text: unknown) => number;
  estimateWidth: (item: TextItem, text: unknown) => number;
}

/** Width in pixels of `text` set in DejaVu Sans at the item's size and weight (non-ASCII counts as 1 em). */
function dejaVuWidth(item: TextItem, text: unknown): number {
  const value = text == null ? '' : String(text).trim();
  const size = item.fontSize ?? 11;
  const bold = item.fontWeight === 'bold' || (typeof item.fontWeight === 'number' && item.fontWeight >= 600);
  let ems = 0;
  for (const ch of value) ems += (DEJAVU_SANS_WIDTHS[(ch.codePointAt(0) ?? 0) - 32] ?? 1000) / 1000;
  const width = ems * size * (bold ? BOLD_FACTOR : 1) * SAFETY;
  return item.limit && item.limit > 0 ? Math.min(width, item.limit) : width;
}

/**
 * Points vega's text measurement at the DejaVu table. Vega supports swapping `textMetrics.width`; this only
 * replaces its built-in 0.8 em guess, never a measurer someone else installed.
 */
function useDejaVuMetrics(): void {
  const metrics = (vega as unknown as { textMetrics: TextMetrics }).textMetrics;
  if (metrics.width === metrics.estimateWidth) metrics.width = dejaVuWidth;
}

/** A vega loader that refuses every URL: the chart's data is inline, so any fetch would be a bug. */
function offlineLoader(): vega.Loader {
  const loader = vega.loader();
  loader.sanitize = (uri: string) => Promise.reject(new Error(`chart tried to load ${uri}: charts render offline`));
  return loader;
}

/** The chart as an SVG document (vega headless, no network). */
export async function renderChartSvg(input: ChartInput): Promise<string> {
  const compiled = compile(buildChartSpec(input)).spec;
  useDejaVuMetrics();
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: offlineLoader() });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The chart as a PNG of `CHART_SIZE` pixels (the SVG rasterised by resvg at 2x with system fonts). */
export async function renderChartPng(input: ChartInput): Promise<{ png: Buffer; width: number; height: number }> {
  const svg = await renderChartSvg(input);
  const resvg = new Resvg(svg, {
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: FONT },
    fitTo: { mode: 'zoom', value: ZOOM },
  });
  const image = resvg.render();
  return { png: image.asPng(), width: image.width, height: image.height };
}
