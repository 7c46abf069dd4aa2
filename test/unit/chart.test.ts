import { compile } from 'vega-lite';
import {
  buildChartSpec,
  CHART_LAYERS,
  CHART_SIZE,
  renderChartPng,
  renderChartSvg,
  type ChartDay,
  type ChartInput,
} from '../../activities/slack/chart';
import { addDays, weekday } from '../../schemas/dates';

const FOCUS = '2026-03-16';
const DROP_DAY = '2026-02-24';

/** A normal day: about 40 credits on weekdays and 8 at weekends, inside a band around the expectation. */
function normalDay(date: string, i: number): ChartDay {
  const expected = weekday(date) >= 5 ? 8 : 40;
  const actual = Math.round((expected + Math.sin(i) * expected * 0.08) * 10) / 10;
  return { date, actual, expected, low: expected * 0.8, high: expected * 1.2 };
}

/** `n` days ending on `end`, each built by `day`. */
function daysEnding(end: string, n: number, day: (date: string, i: number) => ChartDay = normalDay): ChartDay[] {
  return Array.from({ length: n }, (_, i) => day(addDays(end, i - n + 1), i));
}

/** 60 days with a drop on DROP_DAY and a spike of 120 credits on the focus day. */
function alertInput(): ChartInput {
  const days = daysEnding(FOCUS, 60).map((d): ChartDay => {
    if (d.date === DROP_DAY) return { ...d, actual: 3, anomaly: 'drop' };
    if (d.date === FOCUS) return { ...d, actual: 120, anomaly: 'spike' };
    return d;
  });
  return { warehouse: 'ANALYTICS_WH', days, focus: FOCUS };
}

interface Layer {
  name?: string;
  layer?: Layer[];
  transform?: { filter?: string }[];
}
interface SpecShape {
  title: { text: string; subtitle: string };
  data: { values: Record<string, unknown>[] };
  layer: Layer[];
}
const shape = (spec: unknown) => spec as SpecShape;
const layerNames = (input: ChartInput) => shape(buildChartSpec(input)).layer.map((l) => l.name);

/** The `<g>` of one named mark layer in vega's SVG. */
function markGroup(svg: string, name: string): string {
  const match = new RegExp(`<g class="mark-[a-z]+ role-mark ${name}_marks"[^>]*>(.*?)</g>`).exec(svg);
  if (!match) throw new Error(`no ${name} marks in the SVG`);
  return match[1];
}

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.toString('ascii', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('buildChartSpec', () => {
  it('is deterministic: the same input gives the same spec and the same compiled vega', () => {
    const a = buildChartSpec(alertInput());
    const b = buildChartSpec(alertInput());
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(compile(a).spec)).toBe(JSON.stringify(compile(b).spec));
  });

  it('titles the chart with the warehouse and the number of days, and sums up the focus day', () => {
    const { title } = shape(buildChartSpec(alertInput()));
    expect(title.text).toBe('ANALYTICS_WH — credits per day, last 60 days');
    expect(title.subtitle).toBe('2026-03-16: 120.0 credits, expected 40.0 (range 32.0–48.0) — spike');
  });

  it('carries every day inline, with the band, expected, actual, anomaly and focus', () => {
    const spec = shape(buildChartSpec(alertInput()));
    expect(JSON.stringify(spec)).not.toMatch(/"url"/);
    const rows = spec.data.values;
    expect(rows).toHaveLength(60);
    expect(rows.find((r) => r.date === FOCUS)).toMatchObject({
      actual: 120,
      expected: 40,
      low: 32,
      high: 48,
      anomaly: 'spike',
      focus: true,
    });
    expect(rows.find((r) => r.date === DROP_DAY)).toMatchObject({ actual: 3, anomaly: 'drop', focus: false });
    expect(rows.filter((r) => r.focus)).toHaveLength(1);
    expect(rows.filter((r) => r.anomaly !== null).map((r) => r.date)).toEqual([DROP_DAY, FOCUS]);
  });

  it('draws band, expected, actual, anomalies and the focus as separate layers', () => {
    expect(layerNames(alertInput())).toEqual([
      CHART_LAYERS.band,
      CHART_LAYERS.focusColumn,
      CHART_LAYERS.expected,
      CHART_LAYERS.actual,
      CHART_LAYERS.anomalies,
      CHART_LAYERS.focusValue,
    ]);
  });

  it('treats days missing from the input as days without data', () => {
    const days = daysEnding(FOCUS, 10).filter((_, i) => i !== 4);
    const rows = shape(buildChartSpec({ warehouse: 'W', days, focus: FOCUS })).data.values;
    expect(rows).toHaveLength(10);
    expect(rows[4]).toMatchObject({ date: addDays(FOCUS, -5), actual: null, expected: null, low: null, high: null });
  });

  it('leaves out the band and expected line for a new warehouse with no model yet', () => {
    const days = daysEnding(FOCUS, 5, (date, i) => ({ date, actual: 10 + i, expected: null, low: null, high: null }));
    expect(layerNames({ warehouse: 'NEW_WH', days, focus: FOCUS })).toEqual([
      CHART_LAYERS.focusColumn,
      CHART_LAYERS.actual,
      CHART_LAYERS.focusValue,
    ]);
  });

  it('refuses an empty chart', () => {
    expect(() => buildChartSpec({ warehouse: 'W', days: [], focus: FOCUS })).toThrow(RangeError);
  });
});

describe('renderChartSvg', () => {
  it('shows the title and one red and one blue anomaly marker', async () => {
    const svg = await renderChartSvg(alertInput());
    expect(svg).toContain('>ANALYTICS_WH — credits per day, last 60 days</text>');
    const anomalies = markGroup(svg, CHART_LAYERS.anomalies);
    expect(anomalies.match(/<path /g)).toHaveLength(2);
    expect(anomalies).toMatch(/anomaly: spike[^>]*fill="#dc2626"/);
    expect(anomalies).toMatch(/anomaly: drop[^>]*fill="#2563eb"/);
  });

  it('writes the focus value beside it, bolds its tick and labels the legend', async () => {
    const svg = await renderChartSvg(alertInput());
    expect(markGroup(svg, `${CHART_LAYERS.focusValue}_layer_2`)).toContain('>120.0</text>');
    expect(svg).toMatch(/font-weight="bold"[^>]*>Mar 16<\/text>/); // the focus day's tick
    expect(svg).toMatch(/font-weight="normal"[^>]*>Mar 9<\/text>/);
    for (const label of ['expected range', 'expected', 'actual', 'spike', 'drop']) {
      expect(svg).toContain(`>${label}</text>`);
    }
  });

  it('breaks the actual line at days without data instead of drawing them as zero', async () => {
    const days = daysEnding(FOCUS, 10).map((d, i) => (i === 3 || i === 7 ? { ...d, actual: null } : d));
    const svg = await renderChartSvg({ warehouse: 'GAPPY_WH', days, focus: FOCUS });
    const path = /\bd="([^"]+)"/.exec(markGroup(svg, CHART_LAYERS.actual))?.[1] ?? '';
    // Days 0-2, 4-6 and 8-9 are three separate runs: three "move to" commands, never a segment down to zero.
    expect(path.match(/M/g)).toHaveLength(3);
  });

  it('formats large values with thousands separators on the axis and in the label', async () => {
    const days = daysEnding(FOCUS, 30, (date, i) => ({
      date,
      actual: 250_000 + 5_000 * (i % 4),
      expected: 255_000,
      low: 240_000,
      high: 270_000,
    }));
    const svg = await renderChartSvg({ warehouse: 'BIG_WH', days, focus: FOCUS });
    expect(svg).toContain('>250,000</text>'); // a y-axis tick
    expect(markGroup(svg, `${CHART_LAYERS.focusValue}_layer_2`)).toContain('>255,000</text>');
    expect(svg).toContain('>2026-03-16: 255,000 credits, expected 255,000 (range 240,000–270,000)</text>');
  });

  it('shows the band and expected value of a lone day as short marks, since an area or line needs two days', async () => {
    const svg = await renderChartSvg({
      warehouse: 'ONE_DAY_WH',
      focus: FOCUS,
      days: [{ date: FOCUS, actual: 12, expected: 10, low: 8, high: 12 }],
    });
    expect(markGroup(svg, CHART_LAYERS.bandStub)).toMatch(/<path [^>]*d="M[^"]+Z"[^>]*fill="#dbe4ee"/);
    expect(markGroup(svg, CHART_LAYERS.expectedStub)).toMatch(/<line [^>]*stroke-dasharray/);
    expect(svg).toContain('>ONE_DAY_WH — credits per day, last 1 day</text>');
  });

  it('labels the values in a currency when one is given', async () => {
    const svg = await renderChartSvg({ ...alertInput(), currency: 'USD' });
    expect(svg).toContain('>ANALYTICS_WH — USD per day, last 60 days</text>');
    expect(svg).toContain('>USD</text>');
  });
});

describe('renderChartPng', () => {
  it('returns a PNG of CHART_SIZE pixels, as its header says', async () => {
    const { png, width, height } = await renderChartPng(alertInput());
    expect(pngSize(png)).toEqual(CHART_SIZE);
    expect({ width, height }).toEqual(CHART_SIZE);
    expect(png.length).toBeGreaterThan(10_000);
  });

  const edgeCases: [string, ChartInput][] = [
    [
      'a new warehouse with only actual credits',
      {
        warehouse: 'NEW_WH',
        focus: FOCUS,
        days: daysEnding(FOCUS, 12, (date, i) => ({ date, actual: i, expected: null, low: null, high: null })),
      },
    ],
    [
      'a single day',
      { warehouse: 'ONE_DAY_WH', focus: FOCUS, days: [{ date: FOCUS, actual: 12, expected: 10, low: 8, high: 12 }] },
    ],
    [
      'a warehouse that used no credits at all',
      {
        warehouse: 'IDLE_WH',
        focus: FOCUS,
        days: daysEnding(FOCUS, 14, (date) => ({ date, actual: 0, expected: 0, low: 0, high: 0 })),
      },
    ],
    [
      'thousands of credits a day',
      {
        warehouse: 'BIG_WH',
        focus: FOCUS,
        days: daysEnding(FOCUS, 30, (date, i) => ({
          date,
          actual: 4_000 + 100 * i,
          expected: 4_500,
          low: 4_000,
          high: 5_000,
          anomaly: i === 29 ? 'spike' : undefined,
        })),
      },
    ],
    [
      'a focus day with no data and a long warehouse name',
      {
        warehouse: 'A_VERY_LONG_WAREHOUSE_NAME_THAT_DOES_NOT_FIT_ON_ONE_LINE_OF_THE_CHART',
        focus: addDays(FOCUS, 2),
        days: daysEnding(FOCUS, 20),
      },
    ],
  ];

  it.each(edgeCases)('renders %s at full size', async (_, input) => {
    const { png } = await renderChartPng(input);
    expect(pngSize(png)).toEqual(CHART_SIZE);
  });

  it('renders 60 days quickly', async () => {
    await renderChartPng(alertInput()); // warm up: the first render loads vega's code paths and the system fonts
    const started = performance.now();
    const { png } = await renderChartPng(alertInput());
    const ms = performance.now() - started;
    process.stderr.write(`chart: 60 days rendered to a ${png.length}-byte PNG in ${ms.toFixed(0)} ms\n`);
    expect(ms).toBeLessThan(5_000);
  });
});
