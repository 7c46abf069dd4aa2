/** Human-readable output: tables of anomalies and models, and a pipeline summary. */
import path from 'node:path';
import type { AnomalyRow } from '../activities/store/anomaly-store';
import type { ModelSummary } from '../activities/store/model-store';
import type { PipelineResult } from '../schemas/results';

/** A plain text table; numbers right-aligned. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? c.toFixed(1) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

export function anomaliesTable(rows: readonly AnomalyRow[]): string {
  if (rows.length === 0) return 'No anomalies.';
  return table(
    ['WAREHOUSE', 'DATE', 'ACTUAL', 'EXPECTED', 'EXCESS', 'EXCESS COST', 'DIRECTION', 'SEVERITY', 'STATUS', 'MODEL'],
    rows.map((a) => [
      a.warehouse,
      a.usageDate,
      a.actual,
      a.expected,
      a.excessCredits,
      a.excessCost !== null && a.currency ? `${Math.round(a.excessCost)} ${a.currency}` : '-',
      a.direction,
      a.severity,
      a.status,
      `#${a.modelVersionId}`,
    ]),
  );
}

export function modelsTable(rows: readonly ModelSummary[]): string {
  if (rows.length === 0) return 'No models yet: run the pipeline first.';
  return table(
    ['ID', 'WAREHOUSE', 'VERSION', 'TRAINED ON', 'THRESHOLD', 'GATE', 'ALIASES', 'SHA256'],
    rows.map((m) => [
      String(m.id),
      m.warehouse,
      `v${m.version}`,
      `${m.trainedFrom} → ${m.trainedTo}`,
      m.threshold.toFixed(4),
      m.promoted === null ? '-' : m.promoted ? 'passed' : 'rejected',
      m.aliases.join(',') || '-',
      m.artifactSha256.slice(0, 12),
    ]),
  );
}

/** One line per stage, from the pipeline's result. */
export function pipelineSummary(r: PipelineResult): string {
  const created = r.train.models.filter((m) => m.created).length;
  const champions = r.train.models.filter((m) => m.champion).length;
  const lines = [
    ...(r.data
      ? [
          `data      ${r.data.status === 'ready' ? 'published' : r.data.status === 'released' ? `released by ${r.data.releasedBy}` : `late for ${r.data.missing.join(', ')}: went ahead at the deadline`} (${r.data.checks} check(s), waited ${r.data.waitedSeconds.toFixed(0)} s)`,
        ]
      : []),
    ...(r.catchUp?.from
      ? [
          `catch-up  re-scored from ${r.catchUp.from}` +
            (r.catchUp.missedDays ? `; ${r.catchUp.missedDays} day(s) no run covered` : '') +
            (r.catchUp.partialDays.length ? `; partial days ${r.catchUp.partialDays.join(', ')}` : '') +
            (r.catchUp.rescored.length ? ` (now complete: ${r.catchUp.rescored.join(', ')})` : ''),
        ]
      : []),
    `ingest    ${r.ingest.source}: ${r.ingest.days} day(s) ${r.ingest.from} → ${r.ingest.to}, ${r.ingest.rowsRead} hourly rows read, ${r.ingest.rowsUpserted} new or changed, ${r.ingest.warehouses} warehouses`,
    `features  ${r.features.warehouses} warehouses, ${r.features.rows} feature rows new or changed (${r.features.from} → ${r.features.to})`,
    `train     ${r.train.models.length} models on ${r.train.trainedFrom} → ${r.train.trainedTo} (${created} new, ${r.train.models.length - created} reused; ${champions} champion)` +
      (r.train.skipped.length
        ? `; skipped: ${r.train.skipped.map((s) => `${s.warehouse} (${s.reason})`).join(', ')}`
        : ''),
    `score     ${r.score.scored} warehouse-days scored ${r.score.from} → ${r.score.to}, ${r.score.anomalies} anomalous`,
  ];
  if (r.notify) {
    lines.push(
      r.notify.alerted > 0
        ? `notify    ${r.notify.alerted} new alert(s) in ${r.notify.messages ?? 1} message(s), first: ${shortRef(r.notify.destination)}` +
            (r.notify.alreadyAlerted ? ` (${r.notify.alreadyAlerted} already alerted)` : '')
        : `notify    no new alerts (${r.notify.alreadyAlerted} anomalies already alerted earlier)`,
    );
    if (r.notify.updated) lines.push(`          ${r.notify.updated} alert(s) updated: their days were restated`);
    if (r.notify.snoozed)
      lines.push(`          ${r.notify.snoozed} anomaly(ies) not alerted: their warehouse is snoozed`);
  } else lines.push('notify    skipped (--no-notify)');
  return lines.join('\n');
}

/** An outbox file relative to the working directory when it is under it; a Slack reference as it is. */
function shortRef(ref: string | null): string {
  if (!ref || !path.isAbsolute(ref)) return String(ref);
  const relative = path.relative(process.cwd(), ref);
  return relative.startsWith('..') ? ref : relative;
}
