/**
 * The "Likely cause" of an alert: which workloads it names, in what order and words, and that any text Snowflake
 * hands us (query tags, user names) cannot break the message or Slack's limits.
 */
import type { AnomalyCauses } from '../../schemas/attribution';
import { buildAlertMessage, type AlertAnomaly } from '../../activities/slack/block-kit';
import {
  CAUSE_PENDING_TEXT,
  causeBlock,
  causeText,
  SECTION_TEXT_LIMIT,
  slackText,
} from '../../activities/slack/cause-blocks';
import { ANOMALIES_PER_MESSAGE } from '../../activities/notify-activities';
import { contributor } from '../fixtures/causes';

function causes(overrides: Partial<AnomalyCauses['byDimension']> = {}, idle = { credits: 5, usualCredits: 5 }) {
  return {
    method: 'reported',
    explainedAt: '2026-11-21T08:00:00.000Z',
    referenceDays: ['2026-10-23', '2026-10-30', '2026-11-06', '2026-11-13'],
    byDimension: { query_tag: [], user: [], query_hash: [], ...overrides },
    idle,
  } satisfies AnomalyCauses;
}

/** A 470-credit spike (expected 50) on ACME_PROD.ETL_WH, caused by a new backfill. */
function anomaly(overrides: Partial<AlertAnomaly> = {}): AlertAnomaly {
  return {
    id: 7,
    status: 'open',
    warehouse: 'ACME_PROD.ETL_WH',
    usageDate: '2026-11-20',
    actual: 520,
    expected: 50,
    excessCredits: 470,
    excessCost: 1410,
    currency: 'USD',
    direction: 'spike',
    severity: 'high',
    modelVersionId: 3,
    score: 0.9,
    ...overrides,
  };
}

const EXCESS = 470;
const backfill = causes({
  query_tag: [
    contributor('airflow:adhoc_backfill.reload_orders', 412.3, 0, EXCESS),
    contributor('dbt:orders_daily', 60, 20, EXCESS),
    contributor('temporal:ingestOrders/loadBatch', 40, 10, EXCESS),
    contributor('airflow:minor.task', 3, 2, EXCESS),
  ],
  user: [contributor('AIRFLOW_SVC', 430, 5, EXCESS), contributor('DBT_SVC', 60, 20, EXCESS)],
  query_hash: [contributor('9f3c0a1b2c3d4e5f60718293a4b5c6d7', 400, 0, EXCESS)],
});

test('the top three query tags come first, largest first, each new or grown with its credits and share', () => {
  const lines = causeText(backfill, EXCESS)!.split('\n');
  expect(lines[0]).toBe('*Likely cause*');
  expect(lines.slice(1, 4)).toEqual([
    '• airflow:adhoc_backfill.reload_orders — new, +412.3 credits (88 % of the excess)',
    '• dbt:orders_daily — grown (usually 20.0), +40.0 credits (9 % of the excess)',
    '• temporal:ingestOrders/loadBatch — grown (usually 10.0), +30.0 credits (6 % of the excess)',
  ]);
  expect(causeText(backfill, EXCESS)).not.toContain('minor.task'); // a fourth is not shown
});

test('a workload that grew by less than 5 % of the excess is noise next to the cause, and is left out', () => {
  const small = causes({
    query_tag: [contributor('airflow:big.task', 400, 0, EXCESS), contributor('airflow:small.task', 12, 0, EXCESS)],
    user: [contributor('BIG_SVC', 400, 0, EXCESS), contributor('SMALL_SVC', 12, 0, EXCESS)],
    query_hash: [],
  });
  const text = causeText(small, EXCESS)!;
  expect(text).toContain('airflow:big.task');
  expect(text).toContain('BIG_SVC');
  expect(text).not.toContain('small.task');
  expect(text).not.toContain('SMALL_SVC');
});

test('users and query hashes follow on one compact line', () => {
  const text = causeText(backfill, EXCESS)!;
  expect(text.split('\n')[4]).toBe(
    'Users: AIRFLOW_SVC +425.0 (90 %), DBT_SVC +40.0 (9 %) · Query hashes: 9f3c0a1b2c3d4e5f60718293a4b5c6d7 +400.0 (85 %)',
  );
});

test('without query tags, the places go to the strongest users and query shapes, then the untagged remainder', () => {
  const untagged = causes({
    query_tag: [contributor('(untagged)', 300, 10, EXCESS)],
    user: [contributor('ANALYST_BOB', 250, 0, EXCESS)],
    query_hash: [contributor('abc123', 280, 1, EXCESS)],
  });
  const lines = causeText(untagged, EXCESS)!.split('\n');
  expect(lines.slice(1)).toEqual([
    '• query hash abc123 — grown (usually 1.0), +279.0 credits (59 % of the excess)',
    '• user ANALYST_BOB — new, +250.0 credits (53 % of the excess)',
    '• (untagged) — grown (usually 10.0), +290.0 credits (62 % of the excess)',
  ]); // nothing left for a compact line: every user and hash is a bullet already
});

test('idle time that grew is named with its share; idle time that did not is not', () => {
  const idle = causeText(causes({}, { credits: 120, usualCredits: 20 }), EXCESS);
  expect(idle).toBe(
    '*Likely cause*\nIdle (warehouse up, no query running): 120.0 credits, usually 20.0 (+100.0, 21 % of the excess)',
  );
  expect(causeText(backfill, EXCESS)).not.toContain('Idle');
});

test('a day nothing explains (a drop, or no workload grew) gets no cause section', () => {
  expect(causeText(causes(), EXCESS)).toBeUndefined();
  expect(causeBlock({ causes: causes(), excessCredits: -40 })).toBeUndefined();
});

test('Slack control characters in values are escaped, newlines flattened, long values shortened', () => {
  expect(slackText('a & <b> <!channel> <@U123|x>')).toBe('a &amp; &lt;b&gt; &lt;!channel&gt; &lt;@U123|x&gt;');
  expect(slackText('{"dag":\n"x"}')).toBe('{"dag": "x"}');
  const long = slackText('x'.repeat(500));
  expect(long).toHaveLength(120);
  expect(long.endsWith('…')).toBe(true);

  const hostile = causes({
    query_tag: [contributor('<!here> *bold* & `tick`\nnext line', 400, 0, EXCESS)],
  });
  const text = causeText(hostile, EXCESS)!;
  expect(text).toContain('• &lt;!here&gt; *bold* &amp; `tick` next line — new, +400.0 credits');
  expect(text).not.toMatch(/<|>/);
});

test('worst-case values stay within the section limit', () => {
  const huge = (prefix: string) =>
    Array.from({ length: 3 }, (_, i) => contributor(`${prefix}${i}${'<&>'.repeat(400)}`, 100 - i, 0, EXCESS));
  const text = causeText(causes({ query_tag: huge('t'), user: huge('u'), query_hash: huge('h') }), EXCESS)!;
  expect(text.length).toBeLessThanOrEqual(SECTION_TEXT_LIMIT);
  expect(text.split('\n')).toHaveLength(5); // heading, 3 bullets, compact line
  expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/); // no entity cut in half
});

describe('in the alert', () => {
  interface Block {
    type: string;
    text?: { text: string; verbatim?: boolean };
    elements?: { text?: string }[];
  }
  const blocks = (items: AlertAnomaly[]) => buildAlertMessage(items, ['k'], 'http://ui/run').blocks as Block[];

  test('the cause follows the numbers and comes before the buttons', () => {
    const b = blocks([anomaly({ causes: backfill })]);
    expect(b.map((x) => x.type)).toEqual(['header', 'section', 'section', 'actions', 'context']);
    expect(b[2].text?.text).toContain('• airflow:adhoc_backfill.reload_orders — new, +412.3 credits');
    expect(b[2].text?.verbatim).toBe(true);
  });

  test("while the day's queries are not attributed, a line says the cause will come; otherwise nothing", () => {
    const pending = blocks([anomaly({ causes: null, causePending: true })]);
    expect(pending.map((x) => x.type)).toEqual(['header', 'section', 'context', 'actions', 'context']);
    expect(pending[2].elements?.[0].text).toBe(CAUSE_PENDING_TEXT);
    expect(CAUSE_PENDING_TEXT).toContain("when Snowflake's query history covers this day");

    const none = blocks([anomaly({ causes: null })]);
    expect(none.map((x) => x.type)).toEqual(['header', 'section', 'actions', 'context']);
    expect(JSON.stringify(none)).not.toContain('cause');
  });

  test('a day found ordinary after a restatement shows no cause', () => {
    const b = blocks([anomaly({ status: 'resolved', causes: backfill })]);
    expect(JSON.stringify(b)).not.toContain('Likely cause');
  });

  test('a full message of explained anomalies stays within 50 blocks and 3000 characters a section', () => {
    const items = Array.from({ length: ANOMALIES_PER_MESSAGE }, (_, i) =>
      anomaly({ id: i + 1, usageDate: `2026-11-${String(i + 1).padStart(2, '0')}`, causes: backfill }),
    );
    const b = blocks(items);
    expect(b.length).toBeLessThanOrEqual(50);
    expect(b.filter((x) => x.text?.text.startsWith('*Likely cause*'))).toHaveLength(ANOMALIES_PER_MESSAGE);
    for (const x of b.filter((y) => y.type === 'section')) expect(x.text!.text.length).toBeLessThanOrEqual(3000);
  });
});
