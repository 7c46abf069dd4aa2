/** Human-readable output: tables of anomalies and models, and a pipeline summary. */
import path from 'node:path';
import type { AnomalyRow } from '../activities/store/anomaly-store';
import type { ModelSummary } from '../activities/store/model-store';
import type { AttributeResult, PipelineResult } from '../schemas/results';
import { ROOT_CAUSE_DIMENSIONS } from '../schemas/attribution';
import type { AnomalyDetails } from './commands/anomaly-show';
import type { CostLine, CostSummary } from './commands/costs';

/**
 * A plain text table; numbers right-aligned, with `digits` decimals (default 1). `right` right-aligns more columns
 * (numbers already formatted as text, such as shares and deltas).
 */
export function table(
  headers: string[],
  rows: (string | number)[][],
  options: { digits?: number; right?: readonly number[] } = {},
): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? c.toFixed(options.digits ?? 1) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const numeric = headers.map(
    (_, i) => options.right?.includes(i) || (rows.length > 0 && rows.every((r) => typeof r[i] === 'number')),
  );
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
    ...(r.attribute ? [attributeLine(r.attribute)] : []),
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

/** What cost attribution did: days, queries, the idle share, causes found, and any follow-up still waiting. */
export function attributeLine(a: AttributeResult): string {
  if (a.status === 'unavailable')
    return 'attribute no query data in this source: costs are not attributed, alerts carry no cause';
  const idle = a.meteredCredits > 0 ? ` (${Math.round((a.idleCredits / a.meteredCredits) * 100)} % idle)` : '';
  return (
    `attribute ${a.days.length} day(s), ${a.queries} queries, ${a.attributedCredits.toFixed(1)} of ${a.meteredCredits.toFixed(1)} compute credits to queries${idle}; ` +
    `${a.explained} cause(s) found` +
    (a.pending.length
      ? `; waiting for the query views to cover ${a.pending.join(', ')}${a.followUp ? ` (${a.followUp})` : ''}`
      : '')
  );
}

/** An outbox file relative to the working directory when it is under it; a Slack reference as it is. */
function shortRef(ref: string | null): string {
  if (!ref || !path.isAbsolute(ref)) return String(ref);
  const relative = path.relative(process.cwd(), ref);
  return relative.startsWith('..') ? ref : relative;
}

const signedCredits = (n: number) => `${n >= 0 ? '+' : '-'}${Math.abs(n).toFixed(2)}`;

/** `+10.00 (+11 %)`, `+3.00 (new)`, or `n/a` when the day compared with was not attributed. */
export function delta(now: number, before: number | null): string {
  if (before === null) return 'n/a';
  const change = now - before;
  if (before <= 0) return now > 0 ? `${signedCredits(change)} (new)` : signedCredits(change);
  const pct = Math.round((change / before) * 100);
  return `${signedCredits(change)} (${pct >= 0 ? '+' : ''}${pct} %)`;
}

const percentOf = (share: number) => `${(share * 100).toFixed(1)} %`;

/** `snowpatrol costs`: one row per value, or with --daily per day and value; idle and total lines reconcile. */
export function costsText(s: CostSummary): string {
  const scope = `${s.from} → ${s.to}, ${s.warehouse ?? 'all warehouses'}`;
  if (s.lastDay === null) {
    return (
      `No attributed cost by ${s.dimension} for ${scope}: Snowflake's query history does not cover these days yet, ` +
      'or the source provides none (cost attribution reads ACCOUNT_USAGE query views).'
    );
  }
  const dim = s.dimension.toUpperCase();
  const missing = s.notAttributed.length
    ? [`Not attributed (no query history for these days yet): ${s.notAttributed.join(', ')}`]
    : [];
  const queries = (l: CostLine) => (l.queries === null ? '' : String(l.queries));
  if (s.days) {
    const rows = s.days.flatMap((d) =>
      d.lines.map((l) => [
        d.usageDate,
        l.label,
        l.credits,
        queries(l),
        delta(l.lastDay, l.dayBefore),
        delta(l.lastDay, l.weekBefore),
      ]),
    );
    return [
      `Compute credits by ${s.dimension} per day, ${scope}`,
      table(['DATE', dim, 'CREDITS', 'QUERIES', 'DAY/DAY', 'WEEK/WEEK'], rows, { digits: 2, right: [3, 4, 5] }),
      ...missing,
    ].join('\n');
  }
  const rows = s.lines.map((l) => [
    l.label,
    l.credits,
    percentOf(l.share),
    queries(l),
    l.lastDay,
    delta(l.lastDay, l.dayBefore),
    delta(l.lastDay, l.weekBefore),
  ]);
  return [
    `Compute credits by ${s.dimension}, ${scope} (changes: ${s.lastDay} vs the day and the week before)`,
    table([dim, 'CREDITS', 'SHARE', 'QUERIES', s.lastDay, 'DAY/DAY', 'WEEK/WEEK'], rows, {
      digits: 2,
      right: [2, 3, 5, 6],
    }),
    ...missing,
  ].join('\n');
}

const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** `snowpatrol anomalies show`: the anomaly, its likely cause per dimension and idle, feedback and alert. */
export function anomalyText(d: AnomalyDetails): string {
  const a = d.anomaly;
  const pct =
    a.expected > 0 ? ` (${a.excessCredits >= 0 ? '+' : ''}${Math.round((a.excessCredits / a.expected) * 100)} %)` : '';
  const cost = a.excessCost !== null && a.currency ? `, ${a.excessCost.toFixed(2)} ${a.currency}` : '';
  const lines = [
    `Anomaly ${a.id}: ${a.warehouse} on ${a.usageDate} — ${a.direction === 'spike' ? 'above' : 'below'} expected`,
    `credits      ${a.actual.toFixed(1)} actual vs ${a.expected.toFixed(1)} expected: ${signedCredits(a.excessCredits)} excess${pct}${cost}`,
    `severity     ${a.severity} (score ${a.score.toFixed(3)}, threshold ${a.threshold.toFixed(3)}) · status ${a.status}`,
    `detected     ${utc(a.detectedAt.toISOString())}${a.workflowId ? ` by ${a.workflowId}` : ''}`,
    d.model
      ? `model        #${a.modelVersionId}: v${d.model.version} ${d.model.algorithm}, trained on ${d.model.trainedFrom} → ${d.model.trainedTo}` +
        (d.model.aliases.length ? ` (${d.model.aliases.join(', ')})` : '')
      : `model        #${a.modelVersionId}`,
    '',
  ];
  if (d.causes && d.causeStatus === 'explained') {
    const c = d.causes;
    lines.push(
      `Likely cause (${c.method} credits; usual = mean of ${c.referenceDays.join(', ') || 'no reference day'}; ` +
        `explained ${c.explainedAt ? utc(c.explainedAt) : 'earlier'})`,
    );
    const rows = ROOT_CAUSE_DIMENSIONS.flatMap((dim) => {
      const name = dim.replace('_', ' ');
      const found = c.byDimension[dim];
      if (found.length === 0) return [[name, '(nothing grew)', '', '', '', '', '']];
      return found.map((x) => [
        name,
        x.value,
        x.credits.toFixed(2),
        x.usualCredits.toFixed(2),
        signedCredits(x.growth),
        `${Math.round(x.shareOfExcess * 100)} %`,
        x.kind,
      ]);
    });
    const idleGrowth = c.idle.credits - c.idle.usualCredits;
    rows.push([
      'idle',
      '(warehouse up, no query)',
      c.idle.credits.toFixed(2),
      c.idle.usualCredits.toFixed(2),
      signedCredits(idleGrowth),
      a.excessCredits > 0 ? `${Math.round((idleGrowth / a.excessCredits) * 100)} %` : '',
      '',
    ]);
    lines.push(
      table(['DIMENSION', 'VALUE', 'CREDITS', 'USUAL', 'GROWTH', 'SHARE OF EXCESS', 'NEW/GROWN'], rows, {
        right: [2, 3, 4, 5],
      }),
    );
  } else {
    lines.push(`Likely cause: ${d.causeNote ?? 'none recorded'}`);
  }
  lines.push('');
  if (d.feedback.length === 0) lines.push('feedback     none');
  for (const [i, f] of d.feedback.entries()) {
    lines.push(
      `${i === 0 ? 'feedback' : ''}`.padEnd(13) +
        `${utc(f.at)} ${f.verdict} by ${f.author}${f.comment ? `: ${JSON.stringify(f.comment)}` : ''}`,
    );
  }
  const al = d.alert;
  lines.push(
    !al
      ? 'alert        not sent (run notify, or the warehouse was snoozed)'
      : al.status === 'sent'
        ? `alert        sent to #${al.channel}${al.sentAt ? ` at ${utc(al.sentAt)}` : ''} (${al.messageRef ?? 'no reference'})`
        : `alert        ${al.status} for #${al.channel} after ${al.attempts} attempt(s)`,
  );
  return lines.join('\n');
}
