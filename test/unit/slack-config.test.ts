/**
 * Slack settings and channel routes: a token switches alerts from the outbox to Slack, every mistake is named
 * at start-up (without echoing a secret), and routes send each warehouse to its owners' channel.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, describeConfig, loadConfig } from '../../schemas/config';
import { channelFor, groupByChannel } from '../../activities/slack/routing';
import type { AlertRoute } from '../../schemas/slack-config';
import { tempDir } from '../fixtures/temp-dir';

const TOKEN = 'xoxb-1234-5678-secretpart';

function problems(env: NodeJS.ProcessEnv, cwd = tempDir()): string[] {
  try {
    loadConfig(env, cwd);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('Slack settings', () => {
  it('without a token, alerts go to the outbox with the default channel name', () => {
    const config = loadConfig({}, tempDir());
    expect(config.alerts).toEqual({ channel: 'snowpatrol-alerts', routes: [], slack: undefined });
    expect(describeConfig(config).alerts).toMatch(/^outbox /);
  });

  it('a bot token and a channel switch alerts to Slack; the API URL gets its trailing slash', () => {
    const config = loadConfig(
      {
        SLACK_BOT_TOKEN: TOKEN,
        SLACK_CHANNEL: '#cost-alerts',
        SLACK_API_URL: 'http://127.0.0.1:9999/api',
        SLACK_SIGNING_SECRET: 'shh',
        SLACK_PORT: '3100',
      },
      tempDir(),
    );
    expect(config.alerts).toEqual({
      channel: 'cost-alerts',
      routes: [],
      slack: {
        botToken: TOKEN,
        apiUrl: 'http://127.0.0.1:9999/api/',
        signingSecret: 'shh',
        appToken: undefined,
        port: 3100,
      },
    });
    expect(config.alerts.slack?.apiUrl).not.toBe('https://slack.com/api/');
    expect(JSON.stringify(describeConfig(config))).not.toContain('secretpart');
  });

  it('defaults the Web API to Slack itself', () => {
    const config = loadConfig({ SLACK_BOT_TOKEN: TOKEN, SLACK_CHANNEL: 'C0123ABCD' }, tempDir());
    expect(config.alerts.slack?.apiUrl).toBe('https://slack.com/api/');
    expect(config.alerts.slack?.port).toBe(3000);
  });

  it('names every mistake at once, and never echoes a token', () => {
    const found = problems({
      SLACK_BOT_TOKEN: 'xoxp-user-token-secretpart',
      SLACK_APP_TOKEN: 'xoxb-not-an-app-token',
      SLACK_API_URL: 'slack.com/api',
      SLACK_PORT: '70000',
    });
    expect(found).toEqual([
      expect.stringMatching(/^SLACK_BOT_TOKEN: must be a bot token \(starts with xoxb-/),
      expect.stringMatching(/^SLACK_CHANNEL: required with SLACK_BOT_TOKEN/),
      expect.stringMatching(/^SLACK_APP_TOKEN: must be an app-level token/),
      'SLACK_API_URL: must be an http(s) URL, got "slack.com/api"',
      'SLACK_PORT: must be a port number (1-65535), got "70000"',
    ]);
    expect(found.join('\n')).not.toContain('secretpart');
  });
});

describe('the config file', () => {
  function withFile(content: unknown): string {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'snowpatrol.config.json'),
      typeof content === 'string' ? content : JSON.stringify(content),
    );
    return dir;
  }

  it('is read from the working directory when present, with routes normalised', () => {
    const dir = withFile({
      slack: {
        routes: [
          { prefix: 'FINANCE.', channel: '#finance-data' },
          { warehouses: ['ACME_PROD.ETL_WH'], channel: 'C0ETL' },
          { pattern: '.*_DEV\\..*', channel: 'dev-costs' },
        ],
      },
    });
    expect(loadConfig({}, dir).alerts.routes).toEqual([
      { prefix: 'FINANCE.', channel: 'finance-data' },
      { warehouses: ['ACME_PROD.ETL_WH'], channel: 'C0ETL' },
      { pattern: '.*_DEV\\..*', channel: 'dev-costs' },
    ]);
  });

  it('SNOWPATROL_CONFIG names another file; a missing one is an error', () => {
    const dir = withFile({ slack: { routes: [{ prefix: 'A', channel: 'a' }] } });
    fs.renameSync(path.join(dir, 'snowpatrol.config.json'), path.join(dir, 'routes.json'));
    expect(loadConfig({ SNOWPATROL_CONFIG: 'routes.json' }, dir).alerts.routes).toHaveLength(1);
    expect(problems({ SNOWPATROL_CONFIG: 'nope.json' }, dir)).toEqual([
      `SNOWPATROL_CONFIG: cannot read ${path.join(dir, 'nope.json')}: no such file`,
    ]);
  });

  it('rejects unknown keys, bad routes and broken JSON, naming the place', () => {
    const file = (dir: string) => path.join(dir, 'snowpatrol.config.json');
    let dir = withFile({ slack: { routes: [{ prefix: 'A', channel: 'a', owner: 'x' }] }, alerts: {} });
    const found = problems({}, dir);
    expect(found).toContainEqual(expect.stringContaining(`${file(dir)}: slack.routes.0: Unrecognized key: "owner"`));
    expect(found).toContainEqual(expect.stringContaining(`${file(dir)}: (top level): Unrecognized key: "alerts"`));

    dir = withFile({ slack: { routes: [{ channel: 'a' }, { prefix: 'A', pattern: 'B', channel: 'b' }] } });
    expect(problems({}, dir)).toEqual([
      `${file(dir)}: slack.routes.0: needs exactly one of "warehouses", "prefix" or "pattern"`,
      `${file(dir)}: slack.routes.1: needs exactly one of "warehouses", "prefix" or "pattern"`,
    ]);

    dir = withFile({ slack: { routes: [{ pattern: '(unclosed', channel: 'a' }] } });
    expect(problems({}, dir)).toEqual([`${file(dir)}: slack.routes.0.pattern: is not a valid regular expression`]);

    dir = withFile('{ "slack": ');
    expect(problems({}, dir)[0]).toMatch(/^SNOWPATROL_CONFIG: cannot read .*snowpatrol\.config\.json: /);
  });
});

describe('routing', () => {
  const routes: AlertRoute[] = [
    { warehouses: ['ACME_PROD.ETL_WH'], channel: 'etl' },
    { prefix: 'acme_prod.', channel: 'prod' },
    { pattern: '.*_DEV\\..*', channel: 'dev' },
  ];

  it('the first matching route wins; names compare case-insensitively; the rest go to the default', () => {
    expect(channelFor('ACME_PROD.ETL_WH', routes, 'alerts')).toBe('etl');
    expect(channelFor('acme_prod.etl_wh', routes, 'alerts')).toBe('etl');
    expect(channelFor('ACME_PROD.BI_WH', routes, 'alerts')).toBe('prod');
    expect(channelFor('ACME_DEV.DEV_WH', routes, 'alerts')).toBe('dev');
    expect(channelFor('OTHER.WH', routes, 'alerts')).toBe('alerts');
  });

  it('a pattern must match the whole name', () => {
    expect(channelFor('X_ACME_DEV.WH_Y', [{ pattern: 'ACME_DEV\\..*', channel: 'dev' }], 'alerts')).toBe('alerts');
  });

  it('groups items by channel, keeping their order', () => {
    const items = ['ACME_PROD.BI_WH', 'OTHER.WH', 'ACME_PROD.ETL_WH', 'ACME_PROD.X'].map((warehouse) => ({
      warehouse,
    }));
    expect([...groupByChannel(items, routes, 'alerts')]).toEqual([
      ['prod', [{ warehouse: 'ACME_PROD.BI_WH' }, { warehouse: 'ACME_PROD.X' }]],
      ['alerts', [{ warehouse: 'OTHER.WH' }]],
      ['etl', [{ warehouse: 'ACME_PROD.ETL_WH' }]],
    ]);
  });
});
