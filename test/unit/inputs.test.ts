import { ApplicationFailure } from '@temporalio/common';
import { pipelineInput, sourceSpec } from '../../schemas/inputs';
import { parseInput } from '../../workflows/validate';

/** The messages of a failed parse (fails the test if the parse succeeded). */
function problems(value: unknown): string[] {
  const result = pipelineInput.safeParse(value);
  expect(result.success).toBe(false);
  return result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
}

/** The failure parseInput throws for `raw` (fails the test if it did not throw one). */
function failureFor(raw: unknown): ApplicationFailure {
  try {
    parseInput(pipelineInput, raw, 'snowpatrolPipeline');
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe('pipelineInput', () => {
  it('fills in the documented defaults for an empty input', () => {
    expect(pipelineInput.parse({})).toEqual({
      historyDays: 120,
      reloadDays: 3,
      trainingDays: 90,
      scoreDays: 1,
      notify: true,
      waitForData: true,
      dataCheckEverySeconds: 900,
      dataCheckMaxSeconds: 3600,
      dataDeadlineHours: 30,
      catchUpDays: 7,
      attribution: true,
      causeWaitHours: 0,
      causeEditHours: 24,
      causeCheckEveryMinutes: 30,
    });
  });

  it('keeps the values it is given', () => {
    const input = { asOf: '2026-11-20', source: 'demo', scoreDays: 7, notify: false, dataDeadlineHours: 6 };
    expect(pipelineInput.parse({ ...input, waitForData: false, dataCheckEverySeconds: 60 })).toEqual({
      ...input,
      historyDays: 120,
      reloadDays: 3,
      trainingDays: 90,
      waitForData: false,
      dataCheckEverySeconds: 60,
      dataCheckMaxSeconds: 3600,
      catchUpDays: 7,
      attribution: true,
      causeWaitHours: 0,
      causeEditHours: 24,
      causeCheckEveryMinutes: 30,
    });
  });

  it.each([
    [{ waitForData: 'yes' }, 'waitForData'],
    [{ dataCheckEverySeconds: 0 }, 'dataCheckEverySeconds'],
    [{ dataCheckMaxSeconds: 1.5 }, 'dataCheckMaxSeconds'],
    [{ dataDeadlineHours: -1 }, 'dataDeadlineHours'],
    [{ dataDeadlineHours: 200 }, 'dataDeadlineHours'],
    [{ catchUpDays: 31 }, 'catchUpDays'],
    [{ attribution: 'no' }, 'attribution'],
    [{ causeWaitHours: 73 }, 'causeWaitHours'],
    [{ causeEditHours: -1 }, 'causeEditHours'],
    [{ causeCheckEveryMinutes: 0.01 }, 'causeCheckEveryMinutes'],
  ])('rejects readiness setting %j, naming the field', (input, field) => {
    expect(problems(input).join('\n')).toContain(field);
  });

  it('rejects unknown fields, so a typo is not silently ignored', () => {
    expect(problems({ asof: '2026-11-20' }).join('\n')).toMatch(/asof/);
  });

  it.each(['2026-13-01', 'yesterday', 20261120])('rejects asOf %p with a message about the date', (asOf) => {
    const [message] = problems({ asOf });
    expect(message).toMatch(/^asOf: /);
    expect(message).toMatch(/date/);
  });

  it('quotes the bad date back in the message', () => {
    expect(problems({ asOf: '2026-13-01' })[0]).toContain('"2026-13-01"');
  });

  it('rejects scoring zero days and fractional days', () => {
    expect(problems({ scoreDays: 0 })).toEqual(['scoreDays: must be at least 1']);
    expect(problems({ historyDays: 30.5 })).toEqual(['historyDays: expected a whole number of days']);
  });
});

describe('sourceSpec', () => {
  it.each(['snowflake', 'demo', 'csv:/x.csv', 'csv:relative/metering.csv'])('accepts %p', (spec) => {
    expect(sourceSpec.parse(spec)).toBe(spec);
  });

  it.each(['csv:', 'oracle', 'Snowflake', 'Demo', ''])('rejects %p, naming it', (spec) => {
    const result = sourceSpec.safeParse(spec);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toBe(
      `expected "snowflake", "demo" or "csv:<path>", got ${JSON.stringify(spec)}`,
    );
  });
});

describe('parseInput (workflow edge validation)', () => {
  it('treats a missing input (undefined or null) as {}', () => {
    const defaults = pipelineInput.parse({});
    expect(parseInput(pipelineInput, undefined, 'snowpatrolPipeline')).toEqual(defaults);
    expect(parseInput(pipelineInput, null, 'snowpatrolPipeline')).toEqual(defaults);
  });

  it('fails non-retryably with type InvalidInput, naming the bad field', () => {
    const failure = failureFor({ asOf: '2026-13-01' });
    expect(failure.type).toBe('InvalidInput');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe(
      'invalid snowpatrolPipeline input: asOf: expected a date like "2026-11-20", got "2026-13-01"',
    );
  });

  it('names an unknown field', () => {
    const failure = failureFor({ asOf: '2026-11-20', histroyDays: 30 });
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toBe('invalid snowpatrolPipeline input: unknown field(s) "histroyDays"');
  });

  it('lists every problem at once', () => {
    const failure = failureFor({ asOf: 'yesterday', scoreDays: 0 });
    expect(failure.message).toContain('asOf: ');
    expect(failure.message).toContain('scoreDays: must be at least 1');
    expect(failure.details).toEqual([{ problems: expect.arrayContaining(['scoreDays: must be at least 1']) }]);
  });

  it.each([
    ['a string', '2026-11-20'],
    ['an array', ['2026-11-20']],
    ['a number', 42],
  ])('explains that %s is not a JSON object', (_kind, raw) => {
    const failure = failureFor(raw);
    expect(failure.type).toBe('InvalidInput');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe('invalid snowpatrolPipeline input: input must be a JSON object');
  });
});
