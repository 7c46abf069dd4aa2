/**
 * The snowpatrol Slack app (`snowpatrol slack`): a Bolt app that handles the alert buttons and the `/snowpatrol`
 * command. HTTP receiver on SLACK_PORT with request signatures verified against SLACK_SIGNING_SECRET (Bolt
 * refuses unsigned, wrongly signed and stale requests before any handler runs), or Socket Mode when
 * SLACK_APP_TOKEN is set. Either way `GET /healthz` on SLACK_PORT answers 200 `ok` while the app runs (the container
 * health check); it needs no signature and reads nothing.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App, LogLevel, type CustomRoute } from '@slack/bolt';
import { createSlackClient, SlackTransport } from '../../activities/slack/slack-transport';
import type { SlackConnection } from '../../schemas/slack-config';
import { handleAlertAction, handleSlashCommand, isAlertAction, type InteractionDeps } from './interactions';

export const SLASH_COMMAND = '/snowpatrol';
/** Where Slack sends events, interactivity and slash commands (the app manifest's request URLs). */
export const EVENTS_PATH = '/slack/events';

/** Liveness route for container health checks: 200 `ok` (the receiver's other paths still demand Slack's signature). */
export const HEALTH_PATH = '/healthz';

const healthRoute: CustomRoute = {
  path: HEALTH_PATH,
  method: ['GET'],
  handler: (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end('ok');
  },
};

/** How long a slash command may take before it is acknowledged with an interim reply (Slack allows 3 s). */
export const ACK_DEADLINE_MS = 2000;

export interface SlackAppOptions extends Omit<InteractionDeps, 'transport'> {
  slack: SlackConnection;
  /** Override SLACK_PORT (0: any free port, for tests). */
  port?: number;
  log?: (line: string) => void;
}

export interface RunningSlackApp {
  /** The HTTP port listened on (undefined in Socket Mode). */
  port: number | undefined;
  mode: 'http' | 'socket';
  stop(): Promise<void>;
}

/** Check the settings the app needs before starting anything; returns the problems (empty when fine). */
export function slackAppProblems(slack: SlackConnection | undefined): string[] {
  if (!slack) return ['SLACK_BOT_TOKEN: required for the Slack app (xoxb-…)'];
  if (!slack.appToken && !slack.signingSecret) {
    return [
      'SLACK_SIGNING_SECRET: required for the HTTP receiver (Basic Information → App Credentials), ' +
        'or set SLACK_APP_TOKEN (xapp-…) to use Socket Mode',
    ];
  }
  return [];
}

export async function startSlackApp(options: SlackAppOptions): Promise<RunningSlackApp> {
  const problems = slackAppProblems(options.slack);
  if (problems.length > 0) throw new Error(`cannot start the Slack app:\n  - ${problems.join('\n  - ')}`);
  const { slack } = options;
  const log = options.log ?? (() => undefined);
  const socketMode = slack.appToken !== undefined;
  const port = options.port ?? slack.port;
  const app = new App({
    token: slack.botToken,
    clientOptions: { slackApiUrl: slack.apiUrl },
    logLevel: LogLevel.WARN,
    customRoutes: [healthRoute],
    // In Socket Mode, Bolt serves custom routes on an HTTP server of their own, on installerOptions.port.
    ...(socketMode
      ? { socketMode: true, appToken: slack.appToken, installerOptions: { port } }
      : { signingSecret: slack.signingSecret, endpoints: EVENTS_PATH }),
  });
  const deps: InteractionDeps = {
    ...options,
    transport: new SlackTransport(createSlackClient(slack.botToken, slack.apiUrl)),
  };

  app.action(/^snowpatrol_/, async ({ ack, action, body, respond }) => {
    await ack();
    if (action.type !== 'button' || !('action_id' in action) || !isAlertAction(action.action_id)) return;
    const reply = await handleAlertAction(deps, {
      actionId: action.action_id,
      value: action.value ?? '',
      user: body.user.id,
    }).catch((err: unknown) => `snowpatrol could not record that: ${(err as Error).message}`);
    log(`${body.user.id} clicked ${action.action_id} (${action.value}): ${reply}`);
    if ('response_url' in body && body.response_url) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: reply }).catch((err: unknown) =>
        log(`could not answer the click: ${(err as Error).message}`),
      );
    }
  });

  app.command(SLASH_COMMAND, async ({ ack, command, respond }) => {
    const work = handleSlashCommand(deps, command.text, command.user_id)
      .catch((err: unknown) => `snowpatrol could not do that: ${(err as Error).message}`)
      .then((reply) => {
        log(`${command.user_id} ran ${SLASH_COMMAND} ${command.text}: ${reply.split('\n')[0]}`);
        return reply;
      });
    // Slack gives up on a command not acknowledged within 3 s (the user sees operation_timeout and Bolt answers
    // 404), though the work goes on. A slow answer (Temporal busy or far away) follows through the response_url.
    const quick = await within(ACK_DEADLINE_MS, work);
    if (quick !== undefined) {
      await ack({ response_type: 'ephemeral', text: quick });
      return;
    }
    await ack({ response_type: 'ephemeral', text: `Working on \`${SLASH_COMMAND} ${command.text.trim()}\`…` });
    const reply = await work;
    await respond({ response_type: 'ephemeral', text: reply }).catch((err: unknown) =>
      log(`could not answer ${SLASH_COMMAND} ${command.text}: ${(err as Error).message}`),
    );
  });

  app.error(async (err) => log(`Slack app error: ${err.message}`));

  if (socketMode) {
    await app.start();
    log(`Slack app connected in Socket Mode (health: http://0.0.0.0:${port}${HEALTH_PATH})`);
    return { port: undefined, mode: 'socket', stop: () => app.stop().then(() => undefined) };
  }
  const server = (await app.start(port)) as Server;
  const listening = (server.address() as AddressInfo).port;
  log(`Slack app listening on http://0.0.0.0:${listening}${EVENTS_PATH} (buttons and ${SLASH_COMMAND})`);
  return { port: listening, mode: 'http', stop: () => app.stop().then(() => undefined) };
}

/** The value of `work` if it settles within `ms`, else undefined (the work goes on). */
async function within<T>(ms: number, work: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
