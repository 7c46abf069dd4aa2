/**
 * An anomaly's root cause in its Slack alert: the workloads that made the day cost more than expected (pure).
 * Values come from Snowflake (query tags, user names) and may contain any characters: they are escaped, kept on
 * one line and shortened, so the section stays one readable block within Slack's limits.
 */
import {
  UNTAGGED,
  type AnomalyCauses,
  type CauseContributor,
  type RootCauseDimension,
} from '../../schemas/attribution';

/** Slack's limit on a section's text. */
export const SECTION_TEXT_LIMIT = 3000;

/** Bullets in the "Likely cause" section. */
export const CAUSE_BULLETS = 3;

/** A value longer than this is shortened in an alert (the CLI shows it whole). */
const VALUE_CHARS = 120;

/** Idle time is named only when its growth is at least this share of the excess. */
const IDLE_SHARE_SHOWN = 0.1;

/** What an alert says while the day's queries are not attributed yet (and the source does provide them). */
export const CAUSE_PENDING_TEXT =
  ":hourglass_flowing_sand: The likely cause will be added here when Snowflake's query history covers this day.";

const LABEL: Record<RootCauseDimension, string> = { query_tag: '', user: 'user ', query_hash: 'query hash ' };

/** Escape Slack's control characters and keep a value on one short line. */
export function slackText(value: string, maxChars = VALUE_CHARS): string {
  const oneLine = value.replace(/\s+/g, ' ').trim() || '(empty)';
  const short = oneLine.length > maxChars ? `${oneLine.slice(0, maxChars - 1)}…` : oneLine;
  return short.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const credits = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const signed = (n: number) => `${n >= 0 ? '+' : '-'}${credits(Math.abs(n))}`;
const share = (s: number) => `${Math.round(s * 100)} %`;

/** `new` or `grown (usually 20.0)`. */
function kindText(c: CauseContributor): string {
  return c.kind === 'new' ? 'new' : `grown (usually ${credits(c.usualCredits)})`;
}

/** `• airflow:dag.task — new, +412.3 credits (87 % of the excess)` */
export function causeBullet(c: CauseContributor, dimension: RootCauseDimension = 'query_tag'): string {
  return `• ${LABEL[dimension]}${slackText(c.value)} — ${kindText(c)}, ${signed(c.growth)} credits (${share(c.shareOfExcess)} of the excess)`;
}

interface Picked {
  dimension: RootCauseDimension;
  contributor: CauseContributor;
}

/** Below this share of the excess a workload's growth is noise next to the cause: the alert leaves it out. */
export const MIN_CAUSE_SHARE = 0.05;

function notable(c: CauseContributor): boolean {
  return c.growth > 0 && c.shareOfExcess >= MIN_CAUSE_SHARE;
}

/**
 * The bullets: the top query tags first, since they name the workload. The untagged remainder names nothing, and
 * a day with fewer tagged causes leaves room: those places go to the strongest users and query shapes instead.
 */
function pickBullets(causes: AnomalyCauses): Picked[] {
  const tagged = (causes.byDimension.query_tag ?? []).filter(notable);
  const named = tagged.filter((c) => c.value !== UNTAGGED);
  const picked: Picked[] = named
    .slice(0, CAUSE_BULLETS)
    .map((contributor) => ({ dimension: 'query_tag', contributor }));
  if (picked.length < CAUSE_BULLETS) {
    const others = (['user', 'query_hash'] as const)
      .flatMap((dimension) => (causes.byDimension[dimension] ?? []).map((contributor) => ({ dimension, contributor })))
      .filter((p) => notable(p.contributor))
      .sort((a, b) => b.contributor.growth - a.contributor.growth);
    const untagged = tagged
      .filter((c) => c.value === UNTAGGED)
      .map((contributor) => ({
        dimension: 'query_tag' as const,
        contributor,
      }));
    // Without tagged causes, the untagged share is still worth one line, after who and what ran.
    picked.push(...[...others, ...untagged].slice(0, CAUSE_BULLETS - picked.length));
  }
  return picked;
}

/** `Users: ETL_SVC +412.3 (87 %), BOB +20.0 (4 %)`, leaving out what a bullet already shows. */
function compactLine(causes: AnomalyCauses, shown: readonly Picked[]): string | undefined {
  const parts = (['user', 'query_hash'] as const).flatMap((dimension) => {
    const rest = (causes.byDimension[dimension] ?? [])
      .filter(notable)
      .filter((c) => !shown.some((p) => p.dimension === dimension && p.contributor.value === c.value))
      .slice(0, 2);
    if (rest.length === 0) return [];
    const title = dimension === 'user' ? 'Users' : 'Query hashes';
    return [
      `${title}: ${rest.map((c) => `${slackText(c.value, 40)} ${signed(c.growth)} (${share(c.shareOfExcess)})`).join(', ')}`,
    ];
  });
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

/** `Idle (warehouse up, no query running): 50.0 credits, usually 10.0 (+40.0, 20 % of the excess)`. */
function idleLine(causes: AnomalyCauses, excessCredits: number): string | undefined {
  const growth = causes.idle.credits - causes.idle.usualCredits;
  if (excessCredits <= 0 || growth <= 0 || growth / excessCredits < IDLE_SHARE_SHOWN) return undefined;
  return (
    `Idle (warehouse up, no query running): ${credits(causes.idle.credits)} credits, usually ` +
    `${credits(causes.idle.usualCredits)} (${signed(growth)}, ${share(growth / excessCredits)} of the excess)`
  );
}

/**
 * The "Likely cause" text of one anomaly: up to three bullets, a compact line of users and query hashes, and idle
 * time when it grew. Undefined when nothing grew (a drop, or an excess no workload explains).
 */
export function causeText(causes: AnomalyCauses, excessCredits: number): string | undefined {
  const bullets = pickBullets(causes);
  const lines = [
    ...bullets.map((p) => causeBullet(p.contributor, p.dimension)),
    compactLine(causes, bullets),
    idleLine(causes, excessCredits),
  ].filter((l): l is string => l !== undefined);
  if (lines.length === 0) return undefined;
  const text = `*Likely cause*\n${lines.join('\n')}`;
  return text.length > SECTION_TEXT_LIMIT ? `${text.slice(0, SECTION_TEXT_LIMIT - 1)}…` : text;
}

/**
 * The block an anomaly's cause takes in its alert: a section with the cause; a context line while the cause is
 * still to come; nothing when there is neither.
 */
export function causeBlock(a: {
  causes?: AnomalyCauses | null;
  causePending?: boolean;
  excessCredits: number;
}): unknown | undefined {
  if (a.causes) {
    const text = causeText(a.causes, a.excessCredits);
    // verbatim: names like #channel or @user in a query tag stay text instead of becoming links.
    return text ? { type: 'section', text: { type: 'mrkdwn', text, verbatim: true } } : undefined;
  }
  if (a.causePending) return { type: 'context', elements: [{ type: 'mrkdwn', text: CAUSE_PENDING_TEXT }] };
  return undefined;
}
