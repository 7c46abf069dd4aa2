/** The app manifest in docs/ asks for exactly what the code uses: the scopes, the command, the request URL. */
import fs from 'node:fs';
import path from 'node:path';
import { BOT_SCOPES } from '../../activities/slack/slack-errors';
import { EVENTS_PATH, SLASH_COMMAND } from '../../client/slack/bolt-app';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../docs/slack-app-manifest.json'), 'utf8'));

test('asks for the bot scopes delivery needs, plus commands for /snowpatrol', () => {
  expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...BOT_SCOPES, 'commands'].sort());
});

test('sends the slash command and the button clicks to the Bolt receiver', () => {
  const [command] = manifest.features.slash_commands;
  expect(command.command).toBe(SLASH_COMMAND);
  expect(new URL(command.url).pathname).toBe(EVENTS_PATH);
  expect(manifest.settings.interactivity.is_enabled).toBe(true);
  expect(new URL(manifest.settings.interactivity.request_url).pathname).toBe(EVENTS_PATH);
});
