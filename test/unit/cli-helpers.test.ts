import { bar } from '../../client/commands/status';
import { InvalidArgumentError } from 'commander';
import { dateArg, intArg, sourceArg } from '../../client/options';
import { table } from '../../client/report';

/** The InvalidArgumentError `parse(value)` throws (fails the test if it did not throw one). */
function rejection(parse: (value: string) => unknown, value: string): InvalidArgumentError {
  try {
    parse(value);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return err as InvalidArgumentError;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
}

describe('table', () => {
  it('aligns columns, right-aligning numbers (one decimal) and left-aligning text', () => {
    const text = table(
      ['WAREHOUSE', 'CREDITS', 'SEVERITY'],
      [
        ['ACME_PROD.ETL_WH', 1234.56, 'high'],
        ['BI_WH', 3, 'medium'],
      ],
    );
    expect(text.split('\n')).toEqual([
      'WAREHOUSE         CREDITS  SEVERITY',
      'ACME_PROD.ETL_WH   1234.6  high',
      'BI_WH                 3.0  medium',
    ]);
  });

  it('left-aligns a column that mixes text and numbers, and trims trailing spaces', () => {
    const text = table(
      ['A', 'B'],
      [
        ['x', 1],
        ['yy', '-'],
      ],
    );
    expect(text.split('\n')).toEqual(['A   B', 'x   1.0', 'yy  -']);
  });

  it('prints just the header for no rows', () => {
    expect(table(['ID', 'NAME'], [])).toBe('ID  NAME');
  });
});

describe('dateArg', () => {
  it('passes a real date through', () => {
    expect(dateArg('2024-02-29')).toBe('2024-02-29');
  });

  it.each(['2026-02-30', 'yesterday', '2026-1-1'])('rejects %p, naming it', (value) => {
    expect(rejection(dateArg, value).message).toBe(`expected a date like 2026-11-20, got "${value}"`);
  });
});

describe('intArg', () => {
  const days = intArg(1, 366);

  it('parses whole numbers in range, including the bounds', () => {
    expect(days('1')).toBe(1);
    expect(days('366')).toBe(366);
    expect(days(' 30 ')).toBe(30);
  });

  it.each(['0', '367', '1.5', 'abc', '', '1e2'])('rejects %p, naming it and the range', (value) => {
    expect(rejection(days, value).message).toBe(`expected a whole number from 1 to 366, got "${value}"`);
  });
});

describe('sourceArg', () => {
  it('passes snowflake, demo and csv:<path> through', () => {
    expect(sourceArg('snowflake')).toBe('snowflake');
    expect(sourceArg('demo')).toBe('demo');
    expect(sourceArg('csv:./metering.csv')).toBe('csv:./metering.csv');
  });

  it.each(['oracle', 'csv:'])('rejects %p, naming it', (value) => {
    expect(rejection(sourceArg, value).message).toContain(`"${value}"`);
  });
});

describe('status progress bar', () => {
  it('fills in proportion to work done', () => {
    expect(bar(0, 5, 10)).toBe('[----------] 0/5');
    expect(bar(2, 5, 10)).toBe('[####------] 2/5');
    expect(bar(5, 5, 10)).toBe('[##########] 5/5');
    expect(bar(0, 0, 4)).toBe('[----] 0/0');
  });
});
