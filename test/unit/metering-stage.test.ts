import { dayRanges } from '../../activities/staged-extract';
import { copyField, copyText } from '../../activities/store/metering-stage';
import { daysBetween } from '../../schemas/dates';

describe('dayRanges', () => {
  it('cuts a window into contiguous ranges of whole days, the longer ones first', () => {
    expect(dayRanges('2026-01-01', '2026-03-31', 4)).toEqual([
      { from: '2026-01-01', to: '2026-01-23' },
      { from: '2026-01-24', to: '2026-02-15' },
      { from: '2026-02-16', to: '2026-03-09' },
      { from: '2026-03-10', to: '2026-03-31' },
    ]);
  });

  it('never makes more ranges than days, and a single day is one range', () => {
    expect(dayRanges('2026-11-20', '2026-11-21', 4)).toEqual([
      { from: '2026-11-20', to: '2026-11-20' },
      { from: '2026-11-21', to: '2026-11-21' },
    ]);
    expect(dayRanges('2026-11-20', '2026-11-20', 4)).toEqual([{ from: '2026-11-20', to: '2026-11-20' }]);
  });

  it.each([
    ['2023-01-02', '2024-12-31', 4],
    ['2026-01-01', '2026-01-07', 3],
    ['2024-02-27', '2024-03-02', 2],
  ])('covers %s … %s exactly in %i ranges', (from, to, count) => {
    const ranges = dayRanges(from, to, count);
    expect(ranges[0].from).toBe(from);
    expect(ranges.at(-1)?.to).toBe(to);
    const lengths = ranges.map((r) => daysBetween(r.from, r.to) + 1);
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(daysBetween(from, to) + 1);
    expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(1);
    for (let i = 1; i < ranges.length; i++) expect(daysBetween(ranges[i - 1].to, ranges[i].from)).toBe(1);
  });
});

describe('COPY text', () => {
  const row = {
    account: 'ACME',
    warehouseId: 101,
    warehouseName: 'ETL\tWH',
    startTime: new Date('2026-11-20T07:00:00Z'),
    endTime: new Date('2026-11-20T08:00:00Z'),
    creditsUsed: 1.06,
    creditsUsedCompute: 1,
    creditsUsedCloudServices: -0.000000001,
  };

  it('escapes backslash, tab, newline and carriage return, and leaves other text as it is', () => {
    expect(copyField('ETL_WH')).toBe('ETL_WH');
    expect(copyField('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyField('Ünïcode, "quotes"')).toBe('Ünïcode, "quotes"');
  });

  it('writes one tab-separated line per row, times as epoch milliseconds', () => {
    expect(copyText([row, { ...row, warehouseId: 102 }])).toBe(
      'ACME\t101\tETL\\tWH\t1795158000000\t1795161600000\t1.06\t1\t-1e-9\n' +
        'ACME\t102\tETL\\tWH\t1795158000000\t1795161600000\t1.06\t1\t-1e-9\n',
    );
  });

  it('refuses a number that is not finite', () => {
    expect(() => copyText([{ ...row, creditsUsed: Number.NaN }])).toThrow(/not a finite number: NaN/);
    expect(() => copyText([{ ...row, creditsUsedCompute: Infinity }])).toThrow(/not a finite number: Infinity/);
  });
});
