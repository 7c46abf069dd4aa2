/** `snowpatrol report`: a self-contained HTML page of a period's spend, expected band, workloads and anomalies. */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { buildReportHtml } from '../../activities/report/html-report';
import { renderReportCharts } from '../../activities/report/report-charts';
import { readReportData, type ReportData } from '../../activities/report/report-data';
import { featureVersion } from '../../activities/ml/features';
import { loadConfig, type Config } from '../../schemas/config';
import { addDays } from '../../schemas/dates';
import { withDatabase } from '../app';
import { checkDayRange, dateArg, progress, yesterday } from '../options';

export interface ReportCommandOptions {
  from: string;
  to: string;
  out: string;
  warehouses: string[];
}

/** Register `report` on the CLI. */
export function addReportCommand(parent: Command): void {
  parent
    .command('report')
    .description('write a self-contained HTML report: credits vs expected, cost by workload, idle share, anomalies')
    .option('--from <date>', 'first day (default: 29 days before --to)', dateArg)
    .option('--to <date>', 'last day (default: yesterday, UTC)', dateArg)
    .option('--out <file>', 'where to write the page', 'report.html')
    .option(
      '--warehouse <ACCOUNT.NAME>',
      'only this warehouse (repeat for more; default: every warehouse with data)',
      (value: string, list: string[]) => [...list, value],
      [],
    )
    .action(async (o: { from?: string; to?: string; out: string; warehouse: string[] }) => {
      const to = o.to ?? yesterday();
      await reportCommand(loadConfig(), { from: o.from ?? addDays(to, -29), to, out: o.out, warehouses: o.warehouse });
    });
}

/** Read the period, render the page and write it atomically to `out`; prints where and a one-line summary. */
export async function reportCommand(config: Config, options: ReportCommandOptions): Promise<void> {
  checkDayRange(options.from, options.to);
  const out = path.resolve(process.cwd(), options.out);
  const data = await withDatabase(config, (db) =>
    readReportData(db, {
      from: options.from,
      to: options.to,
      warehouses: options.warehouses,
      featureVersion: featureVersion(config.detection.windowDays),
      prices: config.prices,
    }),
  );
  if (data.missing.length > 0) progress(`no data in this period for: ${data.missing.join(', ')}`);
  const html = buildReportHtml(data, await renderReportCharts(data));
  await writeAtomically(out, html);
  process.stdout.write(`Wrote ${out} (${formatSize(Buffer.byteLength(html))})\n${reportSummary(data)}\n`);
}

/** One line: period, warehouses, credits, cost, idle share, anomalies. */
export function reportSummary(data: ReportData): string {
  const t = data.totals;
  const n = data.warehouses.length;
  const cost = t.cost.map((c) => `${Math.round(c.amount).toLocaleString('en-US')} ${c.currency}`).join(' + ');
  const idle = t.attribution ? `, idle ${(t.attribution.idleShare * 100).toFixed(0)}% of compute` : '';
  return (
    `${data.from} → ${data.to}: ${n} ${n === 1 ? 'warehouse' : 'warehouses'}, ` +
    `${t.credits.toLocaleString('en-US', { maximumFractionDigits: 1 })} credits${cost ? ` (${cost})` : ''}${idle}, ` +
    `${t.anomalies} ${t.anomalies === 1 ? 'anomaly' : 'anomalies'}.`
  );
}

/** Write to a temporary file beside `file`, then rename it over: a reader never sees half a report. */
async function writeAtomically(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await fs.promises.writeFile(tmp, content);
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw new Error(`cannot write ${file}: ${(err as Error).message}`);
  }
}

function formatSize(bytes: number): string {
  return bytes >= 1_000_000 ? `${(bytes / 1_000_000).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1000))} kB`;
}
