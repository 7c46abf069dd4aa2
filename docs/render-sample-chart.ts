/**
 * Renders docs/sample-alert-chart.png: 60 days of a made-up warehouse with a weekly rhythm (about 40 credits on
 * weekdays, 8 at weekends), an earlier drop and a spike on the alert's focus day.
 * Run with `npx tsx docs/render-sample-chart.ts`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderChartPng, type ChartDay } from '../activities/slack/chart';
import { addDays, weekday } from '../schemas/dates';

const FOCUS = '2026-03-16';
const DAYS = 60;
const DROP = '2026-02-24';

/** Small deterministic wobble so the sample looks like real usage without a random seed. */
const wobble = (i: number) => Math.sin(i * 1.7) * 2.5 + Math.cos(i * 0.6) * 1.5;

function sampleDays(): ChartDay[] {
  return Array.from({ length: DAYS }, (_, i) => {
    const date = addDays(FOCUS, i - DAYS + 1);
    const weekend = weekday(date) >= 5;
    const expected = weekend ? 8 : 40;
    const spread = weekend ? 3 : 7;
    let actual = Math.round((expected + wobble(i) * (weekend ? 0.4 : 1)) * 10) / 10;
    let anomaly: ChartDay['anomaly'];
    if (date === DROP) [actual, anomaly] = [6.2, 'drop'];
    if (date === FOCUS) [actual, anomaly] = [121.4, 'spike'];
    return { date, actual, expected, low: expected - spread, high: expected + spread, anomaly };
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const { png, width, height } = await renderChartPng({ warehouse: 'ANALYTICS_WH', days: sampleDays(), focus: FOCUS });
  const file = path.join(__dirname, 'sample-alert-chart.png');
  writeFileSync(file, png);
  console.log(`${file}: ${width}x${height}, ${png.length} bytes in ${Math.round(performance.now() - started)} ms`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
