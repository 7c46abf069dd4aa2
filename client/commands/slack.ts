/**
 * `snowpatrol slack`: the Slack app (alert buttons and /snowpatrol) until SIGINT/SIGTERM; and
 * `snowpatrol snooze`: the same snooze as the button, from a terminal.
 */
import { configSecrets, type Config } from '../../schemas/config';
import { createAlertTransport } from '../../activities/slack/create-transport';
import { progressLog } from '../../worker/logging';
import { openConfiguredDatabase, withDatabase, withExistingClient } from '../app';
import { printResult } from '../options';
import { slackAppProblems, startSlackApp } from '../slack/bolt-app';
import { snooze } from '../slack/interactions';

export async function slackCommand(config: Config): Promise<void> {
  const problems = slackAppProblems(config.alerts.slack);
  if (!config.databaseUrl) {
    problems.push(
      'DATABASE_URL: required for the Slack app — it shares the state database with the worker ' +
        '(the embedded PGlite belongs to one process)',
    );
  }
  if (problems.length > 0) throw new Error(`cannot start the Slack app:\n  - ${problems.join('\n  - ')}`);
  const log = progressLog({ json: config.logJson, secrets: configSecrets(config) });
  await withExistingClient(config, async (temporal) => {
    const database = await openConfiguredDatabase(config);
    try {
      const app = await startSlackApp({
        slack: config.alerts.slack!,
        db: database.db,
        temporal,
        namespace: config.temporal.namespace,
        webUiUrl: config.webUiUrl,
        log: (line) => log(line),
      });
      log('Ctrl-C stops the Slack app');
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      await app.stop();
    } finally {
      await database.close();
    }
  });
}

export async function snoozeCommand(
  config: Config,
  opts: { warehouse: string; days: number; author: string; json: boolean },
): Promise<void> {
  const warehouse = opts.warehouse.toUpperCase();
  const until = await withExistingClient(config, (temporal) =>
    withDatabase(config, (db) =>
      snooze(
        {
          db,
          temporal,
          namespace: config.temporal.namespace,
          webUiUrl: config.webUiUrl,
          transport: createAlertTransport(config.alerts, config.outboxDir),
        },
        { warehouse, days: opts.days, author: opts.author },
      ),
    ),
  );
  printResult(
    opts.json,
    { warehouse, until: until.toISOString() },
    () =>
      `${warehouse} snoozed until ${until.toISOString()}: no alerts for it until then (workflow snowpatrol-snooze-${warehouse})`,
  );
}
