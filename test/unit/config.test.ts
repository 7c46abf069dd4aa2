import path from 'node:path';
import type { Config } from '../../schemas/config';
import { DETECTION_DEFAULTS } from '../../schemas/detection-config';
import { ConfigError, describeConfig, loadConfig, redactUrl } from '../../schemas/config';

const CWD = path.resolve('/srv/snowpatrol');

/** The ConfigError loadConfig throws for `env` (fails the test if it did not throw one). */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env, CWD);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('loadConfig', () => {
  it('runs with no environment at all: demo source, state under <cwd>/.snowpatrol, embedded dev server', () => {
    const config = loadConfig({}, CWD);
    expect(config).toEqual<Config>({
      home: path.join(CWD, '.snowpatrol'),
      source: 'demo',
      demoSeed: 42,
      webUiUrl: 'http://localhost:8233',
      outboxDir: path.join(CWD, '.snowpatrol', 'outbox'),
      maxConcurrentActivities: 4,
      logJson: false,
      metricsPort: undefined,
      temporal: {
        address: undefined,
        namespace: 'default',
        security: 'plaintext',
        profileName: undefined,
        configFile: undefined,
        profile: {},
        cliPath: undefined,
        devPort: 7233,
        devUiPort: 8233,
      },
      databaseUrl: undefined,
      snowflake: undefined,
      prices: { pricePerCredit: undefined, currency: 'USD' },
      schedules: {
        pipelineCron: '0 7 * * *',
        retrainCron: '0 6 * * 1',
        catchupWindow: '1 day',
        overlap: 'skip',
        pauseOnFailure: false,
      },
      detection: DETECTION_DEFAULTS,
      alerts: { channel: 'snowpatrol-alerts', routes: [], slack: undefined },
    });
  });

  it('reads the variables it is given, resolving relative paths against cwd', () => {
    const config = loadConfig(
      {
        SNOWPATROL_HOME: 'state',
        SNOWPATROL_SOURCE: 'csv:exports/metering.csv',
        SNOWPATROL_WEB_UI_URL: 'https://temporal.example.com/',
        SNOWPATROL_MAX_CONCURRENT_ACTIVITIES: '16',
        TEMPORAL_ADDRESS: 'temporal.example.com:7233',
        TEMPORAL_NAMESPACE: 'finops',
      },
      CWD,
    );
    expect(config.home).toBe(path.join(CWD, 'state'));
    expect(config.outboxDir).toBe(path.join(CWD, 'state', 'outbox'));
    expect(config.source).toBe('csv:exports/metering.csv');
    expect(config.webUiUrl).toBe('https://temporal.example.com');
    expect(config.maxConcurrentActivities).toBe(16);
    expect(config.temporal.address).toBe('temporal.example.com:7233');
    expect(config.temporal.namespace).toBe('finops');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ SNOWPATROL_SOURCE: '', DATABASE_URL: '', SNOWPATROL_LOG_JSON: '' }, CWD)).toEqual(
      loadConfig({}, CWD),
    );
  });

  it.each([
    ['false', false],
    ['0', false],
    ['off', false],
    ['true', true],
    ['YES', true],
    ['1', true],
  ])('reads SNOWPATROL_LOG_JSON=%p as %p', (value, expected) => {
    expect(loadConfig({ SNOWPATROL_LOG_JSON: value }, CWD).logJson).toBe(expected);
  });

  it.each([
    ['9464', 9464],
    ['', undefined],
  ])('reads SNOWPATROL_METRICS_PORT=%p as %p', (value, expected) => {
    expect(loadConfig({ SNOWPATROL_METRICS_PORT: value }, CWD).metricsPort).toBe(expected);
  });

  it.each(['0', '65536', 'http', '80.5'])('rejects SNOWPATROL_METRICS_PORT=%p', (value) => {
    expect(configError({ SNOWPATROL_METRICS_PORT: value }).problems).toEqual([
      `SNOWPATROL_METRICS_PORT: must be a port number from 1 to 65535, got "${value}"`,
    ]);
  });

  it('reports every bad variable in one error', () => {
    const error = configError({
      SNOWPATROL_SOURCE: 'bogus',
      DATABASE_URL: 'mysql://x',
      SNOWPATROL_MAX_CONCURRENT_ACTIVITIES: '0',
      SNOWPATROL_LOG_JSON: 'maybe',
    });
    expect(error.problems).toHaveLength(4);
    expect(error.problems).toEqual(
      expect.arrayContaining([
        'SNOWPATROL_SOURCE: expected "snowflake", "demo" or "csv:<path>", got "bogus"',
        'DATABASE_URL: must start with postgres:// or postgresql://',
        'SNOWPATROL_MAX_CONCURRENT_ACTIVITIES: must be a positive whole number, got "0"',
        'SNOWPATROL_LOG_JSON: must be true or false, got "maybe"',
      ]),
    );
    for (const variable of [
      'SNOWPATROL_SOURCE',
      'DATABASE_URL',
      'SNOWPATROL_MAX_CONCURRENT_ACTIVITIES',
      'SNOWPATROL_LOG_JSON',
    ]) {
      expect(error.message).toContain(variable);
    }
  });

  it('does not echo a rejected DATABASE_URL, which may hold a password', () => {
    const error = configError({ DATABASE_URL: 'mysql://admin:hunter2@db.internal/app' });
    expect(error.message).not.toContain('hunter2');
  });
});

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('postgres://snow:s3cr3t@db.internal:5432/snowpatrol')).toBe(
      'postgres://snow:***@db.internal:5432/snowpatrol',
    );
  });

  it('leaves a URL without a password alone', () => {
    expect(redactUrl('postgresql://db.internal/snowpatrol')).toBe('postgresql://db.internal/snowpatrol');
    expect(redactUrl('postgres://snow@db.internal/snowpatrol')).toBe('postgres://snow@db.internal/snowpatrol');
  });
});

describe('describeConfig', () => {
  it('shows where the database is but never its password', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://snow:s3cr3t-pw@db.internal:5432/snowpatrol' }, CWD);
    const summary = JSON.stringify(describeConfig(config));
    expect(summary).not.toContain('s3cr3t-pw');
    expect(describeConfig(config).database).toBe('postgres://snow:***@db.internal:5432/snowpatrol');
  });

  it('never shows any part of a password that contains "@"', () => {
    // postgres.js (via WHATWG URL) reads this password as "p@ssw0rd": userinfo ends at the LAST "@".
    const config = loadConfig({ DATABASE_URL: 'postgres://snow:p@ssw0rd@db.internal:5432/snowpatrol' }, CWD);
    const summary = JSON.stringify(describeConfig(config));
    expect(summary).not.toContain('ssw0rd');
  });

  it('describes the embedded defaults', () => {
    expect(describeConfig(loadConfig({}, CWD))).toEqual({
      temporal: 'embedded dev server',
      namespace: 'default',
      temporalSecurity: 'plaintext',
      database: `PGlite (${path.join(CWD, '.snowpatrol', 'pglite')})`,
      source: 'demo',
      snowflake: 'not configured',
      alerts: `outbox (${path.join(CWD, '.snowpatrol', 'outbox')})`,
    });
  });
});

describe('schedule settings', () => {
  it('take cron expressions, "off", a catch-up window, an overlap policy and pause-on-failure', () => {
    const config = loadConfig(
      {
        SNOWPATROL_SCHEDULE_PIPELINE: '30 5 * * *',
        SNOWPATROL_SCHEDULE_RETRAIN: 'off',
        SNOWPATROL_SCHEDULE_CATCHUP_WINDOW: '6 hours',
        SNOWPATROL_SCHEDULE_OVERLAP: 'buffer_one',
        SNOWPATROL_SCHEDULE_PAUSE_ON_FAILURE: 'true',
      },
      CWD,
    );
    expect(config.schedules).toEqual({
      pipelineCron: '30 5 * * *',
      retrainCron: undefined,
      catchupWindow: '6 hours',
      overlap: 'buffer_one',
      pauseOnFailure: true,
    });
  });

  it('name each bad schedule variable', () => {
    const error = configError({
      SNOWPATROL_SCHEDULE_PIPELINE: 'every morning',
      SNOWPATROL_SCHEDULE_OVERLAP: 'sometimes',
      SNOWPATROL_SCHEDULE_CATCHUP_WINDOW: 'a while',
    });
    expect(error.problems.join('\n')).toMatch(/SNOWPATROL_SCHEDULE_PIPELINE: expected a 5-field cron expression/);
    expect(error.problems.join('\n')).toMatch(/SNOWPATROL_SCHEDULE_OVERLAP: expected one of skip/);
    expect(error.problems.join('\n')).toMatch(/SNOWPATROL_SCHEDULE_CATCHUP_WINDOW: expected a duration/);
  });
});

describe('detection settings', () => {
  it('take alert filters, threshold, model and promotion settings', () => {
    const config = loadConfig(
      {
        SNOWPATROL_ALERT_DIRECTIONS: 'Both',
        SNOWPATROL_MIN_EXCESS_CREDITS: '5',
        SNOWPATROL_MIN_EXCESS_PERCENT: '40',
        SNOWPATROL_MIN_EXCESS_COST: '25.5',
        SNOWPATROL_THRESHOLD_K: '3',
        SNOWPATROL_MODEL_SEED: '7',
        SNOWPATROL_MODEL_TREES: '200',
        SNOWPATROL_PROMOTION_GATE: 'off',
        SNOWPATROL_PROMOTION_ALERT_BUDGET: '0.1',
      },
      CWD,
    );
    expect(config.detection).toMatchObject({
      seed: 7,
      nEstimators: 200,
      thresholdK: 3,
      filters: { minExcessCredits: 5, minExcessCost: 25.5, minExcessRatio: 0.4, directions: 'both' },
      promotion: { gated: false, backtestDays: 28, alertRateBudget: 0.1 },
    });
  });

  it('name each bad detection variable, with what was expected', () => {
    const problems = configError({
      SNOWPATROL_ALERT_DIRECTIONS: 'sideways',
      SNOWPATROL_MIN_EXCESS_PERCENT: '-5',
      SNOWPATROL_THRESHOLD_K: 'high',
      SNOWPATROL_MODEL_TREES: '2.5',
      SNOWPATROL_PROMOTION_GATE: 'maybe',
      SNOWPATROL_PROMOTION_ALERT_BUDGET: '2',
    }).problems.join('\n');
    expect(problems).toMatch(/SNOWPATROL_ALERT_DIRECTIONS: expected one of spikes, drops, both, got "sideways"/);
    expect(problems).toMatch(/SNOWPATROL_MIN_EXCESS_PERCENT: expected a number from 0 to 10000, got "-5"/);
    expect(problems).toMatch(/SNOWPATROL_THRESHOLD_K: expected a number from 0 to 10, got "high"/);
    expect(problems).toMatch(/SNOWPATROL_MODEL_TREES: expected a whole number from 1 to 1000, got "2.5"/);
    expect(problems).toMatch(/SNOWPATROL_PROMOTION_GATE: expected on or off, got "maybe"/);
    expect(problems).toMatch(/SNOWPATROL_PROMOTION_ALERT_BUDGET: expected a number from 0 to 1, got "2"/);
  });
});
