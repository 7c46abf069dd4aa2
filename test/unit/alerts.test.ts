import fs from 'node:fs';
import path from 'node:path';
import type { AlertAnomaly } from '../../activities/slack/block-kit';
import { buildAlertMessage } from '../../activities/slack/block-kit';
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
