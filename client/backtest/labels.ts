/**
 * Labelled anomalies for measuring a backtest: the demo organisation's own, or a CSV file with a header row and
 * columns `warehouse` (ACCOUNT.WAREHOUSE_NAME), `usage_date` (YYYY-MM-DD) and optionally `direction`
 * (`spike`/`drop`; default spike). Only labels of the alerted directions count.
 */
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { DayRef } from '../../activities/ml/evaluate';
import { demoAnomalyLabels } from '../../activities/sources/demo-org';
import { isIsoDate } from '../../schemas/dates';
import type { Directions } from '../../schemas/detection-config';

type Direction = 'spike' | 'drop';

const counts = (directions: Directions, d: Direction) => directions === 'both' || directions === `${d}s`;

/** The demo's labels from … to; outages are drops, every other kind a spike. */
export function demoLabels(from: string, to: string, seed: number, directions: Directions): DayRef[] {
  return demoAnomalyLabels(from, to, seed)
    .filter((l) => counts(directions, l.kind === 'outage' ? 'drop' : 'spike'))
    .map((l) => ({ warehouse: l.warehouse, day: l.day }));
}

/** Labels from a CSV file, within from … to. Throws naming the file, line and problem. */
export function readLabelsFile(file: string, from: string, to: string, directions: Directions): DayRef[] {
  let records: Record<string, string>[];
  try {
    records = parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true });
  } catch (err) {
    throw new Error(`labels file ${file}: ${(err as Error).message}`);
  }
  const labels: DayRef[] = [];
  records.forEach((r, i) => {
    const line = i + 2;
    if (!r.warehouse || !r.warehouse.includes('.')) {
      throw new Error(`labels file ${file}, line ${line}: warehouse must look like ACCOUNT.WAREHOUSE_NAME`);
    }
    if (!isIsoDate(r.usage_date ?? '')) {
      throw new Error(`labels file ${file}, line ${line}: usage_date must be a date like 2026-11-20`);
    }
    const direction = (r.direction || 'spike').toLowerCase();
    if (direction !== 'spike' && direction !== 'drop') {
      throw new Error(`labels file ${file}, line ${line}: direction must be spike or drop, got "${r.direction}"`);
    }
    if (r.usage_date >= from && r.usage_date <= to && counts(directions, direction)) {
      labels.push({ warehouse: r.warehouse, day: r.usage_date });
    }
  });
  return labels;
}
