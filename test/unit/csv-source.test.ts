import fs from 'node:fs';
import path from 'node:path';
import { InvalidRowError, SourceError } from '../../activities/errors';
import { parseSnowflakeTimestamp, REQUIRED_COLUMNS } from '../../activities/sources/csv-row';
import { createCsvSource, validateCsvExport } from '../../activities/sources/csv-source';
import { openSource } from '../../activities/sources/index';
import type { HourlyMeteringRow } from '../../activities/sources/metering-source';
import { collect } from '../fixtures/collect';
import { csvRow, csvText, writeFile } from '../fixtures/csv-export';
import { tempDir } from '../fixtures/temp-dir';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function readCsv(file: string, from: string, to: string, batchSize = 1000): Promise<HourlyMeteringRow[]> {
  return (await collect(createCsvSource(file).read(from, to, batchSize))).flat();
}

describe('parseSnowflakeTimestamp', () => {
  it.each([
    ['2026-11-20 07:00:00.000 -0800', '2026-11-20T15:00:00.000Z'],
    ['2026-11-20 07:00:00.000 +05:30', '2026-11-20T01:30:00.000Z'],
    ['2026-11-20T15:00:00Z', '2026-11-20T15:00:00.000Z'],
    ['2026-11-20 15:00:00', '2026-11-20T15:00:00.000Z'],
    ['2026-11-20 15:00', '2026-11-20T15:00:00.000Z'],
  ])('reads %p as %s', (text, iso) => {
    expect(parseSnowflakeTimestamp(text)?.toISOString()).toBe(iso);
  });

  it.each(['', 'yesterday', '2026-11-20', '2026-13-20 07:00:00'])('rejects %p', (text) => {
    expect(parseSnowflakeTimestamp(text)).toBeUndefined();
  });
});

describe('the CSV metering source', () => {
  it('streams typed rows back, only those starting on a day in [from, to]', async () => {
    const file = writeFile(
      dir,
      'metering.csv',
      csvText([
        csvRow('2026-11-18'),
        csvRow('2026-11-19', { WAREHOUSE_ID: '102', WAREHOUSE_NAME: 'BI_WH', CREDITS_USED: '4.24' }),
        csvRow('2026-11-20'),
        csvRow('2026-11-21'),
      ]),
    );
    const rows = await readCsv(file, '2026-11-19', '2026-11-20');
    expect(rows).toEqual<HourlyMeteringRow[]>([
      {
        account: 'DEFAULT',
        warehouseId: 102,
        warehouseName: 'BI_WH',
        startTime: new Date('2026-11-19T07:00:00Z'),
        endTime: new Date('2026-11-19T08:00:00Z'),
        creditsUsed: 4.24,
        creditsUsedCompute: 1,
        creditsUsedCloudServices: 0.06,
      },
      {
        account: 'DEFAULT',
        warehouseId: 101,
        warehouseName: 'ETL_WH',
        startTime: new Date('2026-11-20T07:00:00Z'),
        endTime: new Date('2026-11-20T08:00:00Z'),
        creditsUsed: 1.06,
        creditsUsedCompute: 1,
        creditsUsedCloudServices: 0.06,
      },
    ]);
  });

  it('assigns days by the UTC instant, whatever offset the export was written in', async () => {
    const file = writeFile(
      dir,
      'offsets.csv',
      csvText([
        // 2026-11-20 07:00 in California is 15:00 UTC
        csvRow('2026-11-20', {
          START_TIME: '2026-11-20 07:00:00.000 -0800',
          END_TIME: '2026-11-20 08:00:00.000 -0800',
        }),
        csvRow('2026-11-20', { START_TIME: '2026-11-20T16:00:00Z', END_TIME: '2026-11-20T17:00:00Z' }),
        csvRow('2026-11-20', { START_TIME: '2026-11-20 17:00:00', END_TIME: '2026-11-20 18:00:00' }),
        // 20:00 in California on the 20th is already the 21st in UTC
        csvRow('2026-11-20', {
          START_TIME: '2026-11-20 20:00:00.000 -0800',
          END_TIME: '2026-11-20 21:00:00.000 -0800',
        }),
      ]),
    );
    const rows = await readCsv(file, '2026-11-20', '2026-11-20');
    expect(rows.map((r) => r.startTime.toISOString())).toEqual([
      '2026-11-20T15:00:00.000Z',
      '2026-11-20T16:00:00.000Z',
      '2026-11-20T17:00:00.000Z',
    ]);
    expect((await readCsv(file, '2026-11-21', '2026-11-21')).map((r) => r.startTime.toISOString())).toEqual([
      '2026-11-21T04:00:00.000Z',
    ]);
  });

  it('skips pseudo-warehouses (WAREHOUSE_ID ≤ 0)', async () => {
    const file = writeFile(
      dir,
      'pseudo.csv',
      csvText([
        csvRow('2026-11-20', { WAREHOUSE_ID: '0', WAREHOUSE_NAME: 'CLOUD_SERVICES_ONLY' }),
        csvRow('2026-11-20', { WAREHOUSE_ID: '-1', WAREHOUSE_NAME: 'SNOWPIPE' }),
        csvRow('2026-11-20'),
      ]),
    );
    expect((await readCsv(file, '2026-11-20', '2026-11-20')).map((r) => r.warehouseName)).toEqual(['ETL_WH']);
  });

  it('uses ACCOUNT_NAME when the export has it, DEFAULT when it does not', async () => {
    const withAccount = writeFile(dir, 'org.csv', csvText([csvRow('2026-11-20', { ACCOUNT_NAME: 'ACME_PROD' })]));
    const without = writeFile(dir, 'account.csv', csvText([csvRow('2026-11-20')]));
    expect((await readCsv(withAccount, '2026-11-20', '2026-11-20'))[0].account).toBe('ACME_PROD');
    expect((await readCsv(without, '2026-11-20', '2026-11-20'))[0].account).toBe('DEFAULT');
  });

  it('yields batches of at most batchSize rows', async () => {
    const file = writeFile(dir, 'many.csv', csvText(Array.from({ length: 5 }, (_, i) => csvRow(`2026-11-${10 + i}`))));
    const batches = await collect(createCsvSource(file).read('2026-11-01', '2026-11-30', 2));
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
  });

  it('fails on a bad number naming the line and column, before yielding anything', async () => {
    const file = writeFile(
      dir,
      'bad.csv',
      csvText([
        csvRow('2026-11-18'),
        csvRow('2026-11-19'),
        csvRow('2026-11-20', { CREDITS_USED: 'lots' }), // line 4 (line 1 is the header)
        csvRow('2026-11-21'),
      ]),
    );
    const yielded: HourlyMeteringRow[][] = [];
    const read = async () => {
      for await (const batch of createCsvSource(file).read('2026-11-01', '2026-11-30', 1)) yielded.push(batch);
    };
    const error = await read().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(InvalidRowError);
    expect((error as InvalidRowError).line).toBe(4);
    expect((error as Error).message).toContain('line 4');
    expect((error as Error).message).toContain('CREDITS_USED');
    expect((error as Error).message).toContain('"lots"');
    expect(yielded).toEqual([]);
  });

  it('names the right line after blank lines and a quoted field that spans two lines', async () => {
    const [header, nameStart, nameEnd, ordinary, bad] = csvText([
      csvRow('2026-11-18', { WAREHOUSE_NAME: 'ETL\nWH' }), // quoted, lines 2–3
      csvRow('2026-11-19'),
      csvRow('2026-11-20', { END_TIME: 'soon' }),
    ]).split('\n');
    const text = [header, nameStart, nameEnd, '', ordinary, '', bad, ''].join('\n'); // the bad row on line 7
    const file = writeFile(dir, 'blank-lines.csv', text);
    const error = await collect(createCsvSource(file).read('2026-11-01', '2026-11-30', 10)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(InvalidRowError);
    expect((error as InvalidRowError).line).toBe(7);
    expect((error as Error).message).toContain('END_TIME "soon" is not a timestamp');
  });

  describe('the fast reader of plain exports', () => {
    const rows = [
      csvRow('2026-11-18'),
      csvRow('2026-11-19', { WAREHOUSE_ID: '102', WAREHOUSE_NAME: 'BI_WH', CREDITS_USED: '4.24' }),
      csvRow('2026-11-20', { ACCOUNT_NAME: 'ACME_DEV' }),
      csvRow('2026-11-21', { WAREHOUSE_ID: '-1', WAREHOUSE_NAME: 'CLOUD_SERVICES_ONLY' }),
    ];
    const allColumns = ['ACCOUNT_NAME', ...REQUIRED_COLUMNS];
    /** The same export with every field quoted: only csv-parse reads that. */
    const quoted = (text: string) =>
      text
        .split('\n')
        .map((line) =>
          line === ''
            ? line
            : line
                .split(',')
                .map((f) => `"${f}"`)
                .join(','),
        )
        .join('\n');

    it('reads a plain export exactly as csv-parse reads the same rows quoted', async () => {
      const plain = writeFile(dir, 'plain.csv', csvText(rows, allColumns));
      const withQuotes = writeFile(dir, 'quoted.csv', quoted(csvText(rows, allColumns)));
      await expect(validateCsvExport(plain)).resolves.toBe('fast');
      await expect(validateCsvExport(withQuotes)).resolves.toBe('csv-parse');
      const fast = await readCsv(plain, '2026-11-01', '2026-11-30');
      expect(fast).toHaveLength(3);
      expect(fast).toEqual(await readCsv(withQuotes, '2026-11-01', '2026-11-30'));
    });

    it('hands a file that stops being plain half-way to csv-parse, and yields each row once', async () => {
      const many = Array.from({ length: 2500 }, (_, i) =>
        csvRow('2026-11-19', { WAREHOUSE_ID: String(1000 + i), WAREHOUSE_NAME: `WH_${i}` }),
      );
      const lines = csvText(many).split('\n');
      // A quoted name near the end (after two full batches of the fast reader), and Windows line ends on the last row.
      lines[2400] = lines[2400].replace('WH_2399', '"WH, 2399"');
      lines[2500] = `${lines[2500]}\r`;
      const file = writeFile(dir, 'mostly-plain.csv', lines.join('\n'));
      await expect(validateCsvExport(file)).resolves.toBe('csv-parse');
      const read = await readCsv(file, '2026-11-19', '2026-11-19');
      expect(read).toHaveLength(2500);
      expect(new Set(read.map((r) => r.warehouseId)).size).toBe(2500);
      expect(read.find((r) => r.warehouseId === 3399)?.warehouseName).toBe('WH, 2399');
    });

    it('names the line of a bad row in a plain export, blank lines counted', async () => {
      const [header, first, second] = csvText([
        csvRow('2026-11-18'),
        csvRow('2026-11-19', { CREDITS_USED: 'x' }),
      ]).split('\n');
      const file = writeFile(dir, 'plain-bad.csv', [header, '', first, '', '', second, ''].join('\n'));
      const error = await validateCsvExport(file).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(InvalidRowError);
      expect((error as InvalidRowError).line).toBe(6);
    });
  });

  it('names a missing column', async () => {
    const columns = [
      'START_TIME',
      'END_TIME',
      'WAREHOUSE_ID',
      'WAREHOUSE_NAME',
      'CREDITS_USED',
      'CREDITS_USED_COMPUTE',
    ];
    const file = writeFile(dir, 'narrow.csv', csvText([csvRow('2026-11-20')], columns));
    const read = readCsv(file, '2026-11-20', '2026-11-20');
    await expect(read).rejects.toBeInstanceOf(SourceError);
    await expect(readCsv(file, '2026-11-20', '2026-11-20')).rejects.toThrow(/CREDITS_USED_CLOUD_SERVICES/);
  });

  it('fails with a SourceError for a missing file', async () => {
    const missing = path.join(dir, 'nope.csv');
    await expect(readCsv(missing, '2026-11-20', '2026-11-20')).rejects.toBeInstanceOf(SourceError);
    await expect(readCsv(missing, '2026-11-20', '2026-11-20')).rejects.toThrow(/nope\.csv/);
  });

  it('fails with a SourceError for an empty file', async () => {
    const empty = writeFile(dir, 'empty.csv', '');
    await expect(readCsv(empty, '2026-11-20', '2026-11-20')).rejects.toBeInstanceOf(SourceError);
    await expect(readCsv(empty, '2026-11-20', '2026-11-20')).rejects.toThrow(/empty/);
  });
});

describe('the CSV source read in one pass (readOnePass)', () => {
  const onePass = (file: string, from: string, to: string, batchSize = 1000) =>
    collect(createCsvSource(file).readOnePass!(from, to, batchSize));
  /** `n` hours of `warehouses` warehouses from 2026-11-18 00:00 UTC, warehouse by warehouse (as exports often are). */
  const hours = (warehouses: number, n: number) =>
    Array.from({ length: warehouses * n }, (_, i) => {
      const [wh, h] = [Math.floor(i / n), i % n];
      const start = new Date(Date.UTC(2026, 10, 18, h));
      return csvRow('2026-11-18', {
        START_TIME: start.toISOString(),
        END_TIME: new Date(start.getTime() + 3_600_000).toISOString(),
        WAREHOUSE_ID: String(100 + wh),
        WAREHOUSE_NAME: `WH_${wh}`,
        CREDITS_USED: String((h % 7) + 0.25),
      });
    });
  /** What the first error thrown by an iteration was, after how many rows had been handed on. */
  async function failure(batches: AsyncIterable<unknown[]>): Promise<{ err: unknown; rowsBefore: number }> {
    let rowsBefore = 0;
    try {
      for await (const batch of batches) rowsBefore += batch.length;
    } catch (err) {
      return { err, rowsBefore };
    }
    throw new Error('the pass did not fail');
  }

  it('yields exactly the rows the two-pass read yields, in batches of at most batchSize', async () => {
    const file = writeFile(dir, 'export.csv', csvText(hours(3, 72)));
    const batches = await onePass(file, '2026-11-19', '2026-11-20', 50);
    expect(batches.every((b) => b.length <= 50)).toBe(true);
    const rows = batches.flat();
    expect(rows).toHaveLength(3 * 48);
    expect(rows).toEqual(await readCsv(file, '2026-11-19', '2026-11-20'));
  });

  it('throws at a bad row late in the file, after earlier batches were handed on, naming its line', async () => {
    const rows = hours(4, 600);
    rows[2000] = { ...rows[2000], CREDITS_USED: 'lots' };
    const file = writeFile(dir, 'bad-late.csv', csvText(rows));
    const { err, rowsBefore } = await failure(createCsvSource(file).readOnePass!('2026-11-01', '2026-12-31', 500));
    expect(rowsBefore).toBeGreaterThan(0);
    expect(err).toBeInstanceOf(InvalidRowError);
    expect((err as InvalidRowError).line).toBe(2002); // the header is line 1
    expect((err as Error).message).toMatch(/CREDITS_USED/);
  });

  it('throws at a row repeating an earlier start, naming both lines', async () => {
    const rows = hours(2, 1500);
    rows.splice(2500, 0, { ...rows[10] }); // line 12 again, as line 2502
    const file = writeFile(dir, 'repeat.csv', csvText(rows));
    const { err, rowsBefore } = await failure(createCsvSource(file).readOnePass!('2026-11-01', '2027-12-31', 1000));
    expect(rowsBefore).toBeGreaterThan(0);
    expect(err).toBeInstanceOf(InvalidRowError);
    expect((err as InvalidRowError).line).toBe(2502);
    expect((err as Error).message).toMatch(/repeats line 12/);
  });

  it('hands a file that stops being plain to csv-parse and yields each row exactly once', async () => {
    const rows = hours(5, 700);
    rows[3100] = { ...rows[3100], WAREHOUSE_NAME: 'WH, "four"' };
    const file = writeFile(dir, 'late-quote.csv', csvText(rows));
    const read = (await onePass(file, '2026-11-01', '2027-12-31', 400)).flat();
    expect(read).toHaveLength(3500);
    expect(new Set(read.map((r) => `${r.warehouseId} ${r.startTime.getTime()}`)).size).toBe(3500);
    expect(read[3100].warehouseName).toBe('WH, "four"');
    expect(read).toEqual(await readCsv(file, '2026-11-01', '2027-12-31'));
  });

  it('still finds a repeated row after the hand-over to csv-parse', async () => {
    const rows = hours(3, 1000);
    rows[1500] = { ...rows[1500], WAREHOUSE_NAME: '"quoted"' };
    rows.push({ ...rows[5] }); // a repeat of a row the fast reader handed on
    const file = writeFile(dir, 'quote-then-repeat.csv', csvText(rows));
    const { err } = await failure(createCsvSource(file).readOnePass!('2026-11-01', '2027-12-31', 1000));
    expect(err).toBeInstanceOf(InvalidRowError);
    expect((err as InvalidRowError).line).toBe(3002);
    expect((err as Error).message).toMatch(/repeats line 7/);
  });
});

describe('openSource', () => {
  it('resolves a relative csv: path against cwd', async () => {
    writeFile(dir, 'relative.csv', csvText([csvRow('2026-11-20')]));
    const source = openSource('csv:relative.csv', { demoSeed: 42, cwd: dir });
    expect(source.spec).toBe(`csv:${path.join(dir, 'relative.csv')}`);
    const rows = (await collect(source.read('2026-11-20', '2026-11-20', 100))).flat();
    expect(rows.map((r) => r.warehouseName)).toEqual(['ETL_WH']);
  });

  it('opens the demo organisation for "demo"', () => {
    expect(openSource('demo', { demoSeed: 42, cwd: dir }).spec).toBe('demo');
  });

  it('rejects an unknown spec with a SourceError naming it', () => {
    expect(() => openSource('nope', { demoSeed: 42, cwd: dir })).toThrow(SourceError);
    expect(() => openSource('nope', { demoSeed: 42, cwd: dir })).toThrow(/"nope"/);
  });
});
