import fs from 'node:fs';
import path from 'node:path';
import type { AlertAnomaly } from '../../activities/slack/block-kit';
import { ALERT_ACTIONS, buildAlertMessage, buildFailureMessage } from '../../activities/slack/block-kit';
import { writeOutboxMessage } from '../../activities/report/outbox';
import { tempDir } from '../fixtures/temp-dir';

const RUN_URL = 'http://localhost:8233/namespaces/default/workflows/snowpatrol-pipeline-2026-11-20';

/** An anomaly on ACME_PROD.ETL_WH on 2026-11-20: 1,234.56 credits where 400 were expected. */
function anomaly(overrides: Partial<AlertAnomaly> = {}): AlertAnomaly {
  return {
    warehouse: 'ACME_PROD.ETL_WH',
    usageDate: '2026-11-20',
    actual: 1234.56,
    expected: 400,
    excessCredits: 834.56,
    excessCost: null,
    currency: null,
    direction: 'spike',
    severity: 'high',
    modelVersionId: 7,
    score: 0.71,
    ...overrides,
  };
}

interface TextBlock {
  type: string;
  text?: { text: string };
  elements?: { text: string }[];
}

const sections = (blocks: unknown[]) => (blocks as TextBlock[]).filter((b) => b.type === 'section');

describe('buildAlertMessage', () => {
  const anomalies = [
    anomaly(),
    anomaly({ usageDate: '2026-11-19', actual: 900, expected: 450, excessCredits: 450, severity: 'high' }),
    anomaly({
      warehouse: 'ACME_DEV.DEV_WH',
      actual: 0.5,
      expected: 12,
      excessCredits: -11.5,
      direction: 'drop',
      severity: 'medium',
      modelVersionId: 9,
    }),
  ];
  const keys = [
    'anomaly:ACME_PROD.ETL_WH:2026-11-20',
    'anomaly:ACME_PROD.ETL_WH:2026-11-19',
    'anomaly:ACME_DEV.DEV_WH:2026-11-20',
  ];
  const message = buildAlertMessage(anomalies, keys, RUN_URL);

  it('headlines the number of anomalies and warehouses, and the credits over expected', () => {
    const header = (message.blocks as TextBlock[])[0];
    expect(header.type).toBe('header');
    expect(header.text?.text).toBe('3 Snowflake spend anomalies on 2 warehouses — 1,284.6 credits over expected');
    expect(message.text).toBe(header.text?.text);
  });

  it('uses the singular for one anomaly on one warehouse', () => {
    expect(buildAlertMessage([anomaly()], ['k'], RUN_URL).text).toBe(
      '1 Snowflake spend anomaly on 1 warehouse — 834.6 credits over expected',
    );
  });

  it('puts the excess in money in the headline and the section when the price is known', () => {
    const priced = buildAlertMessage(
      [
        anomaly({ excessCost: 2503.68, currency: 'USD' }),
        anomaly({ usageDate: '2026-11-19', excessCost: 1000, currency: 'USD' }),
      ],
      ['a', 'b'],
      RUN_URL,
    );
    expect(priced.text).toBe('2 Snowflake spend anomalies on 1 warehouse — 1,669.1 credits over expected ($3,504)');
    expect(JSON.stringify(priced.blocks)).toContain('+834.6, +209%, $2,504)');
  });

  it('leaves money out of the headline when any price is unknown', () => {
    const mixed = buildAlertMessage(
      [anomaly({ excessCost: 2503.68, currency: 'USD' }), anomaly()],
      ['a', 'b'],
      RUN_URL,
    );
    expect(mixed.text).not.toContain('$');
  });

  it('has one section per anomaly with the warehouse, date, actual and expected credits', () => {
    const texts = sections(message.blocks).map((b) => b.text?.text ?? '');
    expect(texts).toHaveLength(3);
    expect(texts[0]).toContain('*ACME_PROD.ETL_WH* on *2026-11-20* — above expected');
    expect(texts[0]).toContain('Actual *1,234.6* credits vs expected *400.0*');
    expect(texts[0]).toContain('+209%');
    expect(texts[1]).toContain('*2026-11-19*');
    expect(texts[1]).toContain('Actual *900.0* credits vs expected *450.0*');
    expect(texts[2]).toContain('*ACME_DEV.DEV_WH* on *2026-11-20* — below expected');
    expect(texts[2]).toContain('Actual *0.5* credits vs expected *12.0* (-11.5, -96%)');
    expect(texts[2]).toContain('severity medium');
  });

  it('carries the idempotency keys in the metadata', () => {
    expect(message.metadata).toEqual({ event_type: 'snowpatrol_anomaly_alert', event_payload: { keys } });
  });

  it('links the run in Temporal and names the models', () => {
    const context = (message.blocks as TextBlock[])[message.blocks.length - 1];
    expect(context.type).toBe('context');
    expect(context.elements?.[0].text).toContain(`<${RUN_URL}|Open the run in Temporal>`);
    expect(context.elements?.[0].text).toContain('Models: #7, #9');
  });

  it('is pure: the same anomalies give the same message', () => {
    expect(buildAlertMessage(anomalies, keys, RUN_URL)).toEqual(message);
  });
});

describe('buttons and what became of each anomaly', () => {
  interface ActionsBlock {
    type: string;
    block_id?: string;
    elements?: { action_id: string; value: string; text: { text: string } }[];
  }
  const actions = (blocks: unknown[]) => (blocks as ActionsBlock[]).filter((b) => b.type === 'actions');

  it('an open anomaly with an id gets the five feedback buttons, each carrying its id', () => {
    const [block] = actions(buildAlertMessage([anomaly({ id: 41, status: 'open' })], ['k'], RUN_URL).blocks);
    expect(block.block_id).toBe('anomaly-41');
    expect(block.elements?.map((e) => [e.action_id, e.text.text, e.value])).toEqual([
      [ALERT_ACTIONS.acknowledge, 'Acknowledge', '41'],
      [ALERT_ACTIONS.snooze1, 'Snooze 1 day', '41'],
      [ALERT_ACTIONS.snooze7, 'Snooze 7 days', '41'],
      [ALERT_ACTIONS.falsePositive, 'Not an anomaly', '41'],
      [ALERT_ACTIONS.expected, 'Expected (planned)', '41'],
    ]);
  });

  it('an anomaly without an id (the demo table) gets no buttons', () => {
    expect(actions(buildAlertMessage([anomaly()], ['k'], RUN_URL).blocks)).toEqual([]);
  });

  it('after a verdict the buttons give way to who said what, when', () => {
    const acked = anomaly({
      id: 41,
      status: 'acked',
      feedback: { verdict: 'confirmed', author: 'U0ALICE', at: '2026-11-21T09:15:00.000Z' },
    });
    const fp = anomaly({
      id: 42,
      usageDate: '2026-11-19',
      status: 'false_positive',
      feedback: { verdict: 'false_positive', author: 'bob', at: '2026-11-21T10:00:00.000Z' },
    });
    const message = buildAlertMessage([acked, fp], ['a', 'b'], RUN_URL);
    expect(actions(message.blocks)).toEqual([]);
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('Acknowledged by <@U0ALICE> at 2026-11-21 09:15 UTC');
    expect(text).toContain('Marked not an anomaly by bob at 2026-11-21 10:00 UTC');
  });

  it('a snoozed warehouse says until when and who snoozed it', () => {
    const message = buildAlertMessage(
      [anomaly({ id: 5, status: 'open', snooze: { until: '2026-11-28T09:00:00.000Z', author: 'U0BOB' } })],
      ['k'],
      RUN_URL,
    );
    expect(actions(message.blocks)).toEqual([]);
    expect(JSON.stringify(message.blocks)).toContain('ACME_PROD.ETL_WH snoozed until 2026-11-28 09:00 UTC by <@U0BOB>');
  });

  it('a restated anomaly shows the new numbers and what the alert first said', () => {
    const message = buildAlertMessage(
      [
        anomaly({
          id: 5,
          actual: 95,
          excessCredits: 45,
          was: { actual: 120, expected: 50, excessCredits: 70, severity: 'high' },
        }),
      ],
      ['k'],
      RUN_URL,
    );
    expect(JSON.stringify(message.blocks)).toContain('Restated by Snowflake: was 120.0 vs 50.0 (+70.0), high');
  });
});

describe('buildFailureMessage', () => {
  const notice = {
    stage: 'ingest',
    error: 'SourceError: csv:missing.csv: no such file',
    asOf: '2026-11-20',
    workflowId: 'snowpatrol-pipeline-2026-11-20',
    key: 'failure:snowpatrol-pipeline-2026-11-20:run-1',
    runUrl: RUN_URL,
  };

  it('names the stage, the error and the run, and carries its key', () => {
    const message = buildFailureMessage(notice);
    expect(message.text).toBe('snowpatrol run for 2026-11-20 failed in stage ingest');
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('*Stage:* ingest');
    expect(text).toContain('SourceError: csv:missing.csv: no such file');
    expect(text).toContain(`<${RUN_URL}|Open the run in Temporal>`);
    expect(message.metadata).toEqual({ event_type: 'snowpatrol_failure', event_payload: { keys: [notice.key] } });
  });

  it('cuts a huge error and cannot be broken out of its code block', () => {
    const message = buildFailureMessage({ ...notice, error: `\`\`\`${'x'.repeat(5000)}` });
    const section = JSON.stringify(message.blocks[1]);
    expect(section).toContain('…');
    expect(section.length).toBeLessThan(3000);
    expect((section.match(/```/g) ?? []).length).toBe(2);
  });
});

describe('writeOutboxMessage', () => {
  let dir: string;
  beforeEach(() => {
    dir = path.join(tempDir(), 'outbox'); // not created yet: the outbox creates it
  });
  afterEach(() => {
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('writes one file per set of keys, whatever their order, so a retry rewrites instead of adding', async () => {
    const message = buildAlertMessage([anomaly()], ['a', 'b'], RUN_URL);
    const first = await writeOutboxMessage(dir, 'alert', ['b', 'a'], message);
    const again = await writeOutboxMessage(dir, 'alert', ['a', 'b'], message);
    expect(again).toBe(first);
    expect(path.dirname(first)).toBe(dir);
    expect(path.basename(first)).toMatch(/^alert-[0-9a-f]{12}\.json$/);
    expect(fs.readdirSync(dir)).toEqual([path.basename(first)]); // no second alert, no temp file left behind
    expect(JSON.parse(fs.readFileSync(first, 'utf8'))).toEqual(message);
  });

  it('writes a different file for different keys', async () => {
    const a = await writeOutboxMessage(dir, 'alert', ['a'], { n: 1 });
    const b = await writeOutboxMessage(dir, 'alert', ['b'], { n: 2 });
    expect(b).not.toBe(a);
    expect(fs.readdirSync(dir).sort()).toEqual([path.basename(a), path.basename(b)].sort());
    expect(JSON.parse(fs.readFileSync(b, 'utf8'))).toEqual({ n: 2 });
  });
});
