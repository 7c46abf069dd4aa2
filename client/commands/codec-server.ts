/**
 * `snowpatrol codec-server`: decrypts and encrypts payloads for the Temporal Web UI (and `temporal … --codec-endpoint`)
 * with the workers' payload key, until SIGINT/SIGTERM. Refuses to start without a key.
 */
import type { Command } from 'commander';
import { configSecrets, loadConfig, type Config } from '../../schemas/config';
import { describePayloadEncryption } from '../../schemas/payload-codec-config';
import { progressLog } from '../../worker/logging';
import { EncryptionCodec } from '../../worker/payload-codec';
import { startCodecServer } from '../codec-server';
import { intArg } from '../options';

export const DEFAULT_CODEC_SERVER_PORT = 8888;

export interface CodecServerCommandOptions {
  port: number;
  host: string;
  /** Comma-separated Web UI origins (default: SNOWPATROL_WEB_UI_URL). */
  origin?: string;
}

export async function codecServerCommand(config: Config, opts: CodecServerCommandOptions): Promise<void> {
  const encryption = config.temporal.payloadEncryption;
  if (encryption === undefined) {
    throw new Error(
      'codec-server needs the payload key the workers use: set SNOWPATROL_PAYLOAD_KEY or SNOWPATROL_PAYLOAD_KEY_FILE ' +
        '(and SNOWPATROL_PAYLOAD_KEY_ID / SNOWPATROL_PAYLOAD_OLD_KEYS as the workers have them)',
    );
  }
  const log = progressLog({ json: config.logJson, secrets: configSecrets(config) });
  const origins = (opts.origin ?? config.webUiUrl).split(',').map((o) => o.trim());
  const server = await startCodecServer({
    codec: new EncryptionCodec(encryption),
    port: opts.port,
    host: opts.host,
    origins,
    log: (line) => log(line),
  }).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the port is in use' : (err as Error).message;
    throw new Error(`codec-server: cannot listen on ${opts.host}:${opts.port}: ${why} (--port, --host)`);
  });
  log(
    `snowpatrol codec-server on ${server.url} (POST /encode, /decode; CORS for ${origins.join(', ')}); ` +
      `payloads: ${describePayloadEncryption(encryption)}. Ctrl-C stops it.`,
  );
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  await server.stop();
  log('snowpatrol codec-server stopped');
}

/** Register `codec-server` on the CLI. */
export function addCodecServerCommand(cli: Command): void {
  cli
    .command('codec-server')
    .description('decrypt payloads for the Temporal Web UI (--ui-codec-endpoint) with the payload key; needs the key')
    .option('--port <n>', 'port to listen on', intArg(0, 65535), DEFAULT_CODEC_SERVER_PORT)
    .option('--host <address>', 'address to listen on (keep it on loopback unless it is behind auth)', '127.0.0.1')
    .option('--origin <urls>', 'Web UI origin(s) allowed by CORS, comma-separated (default: SNOWPATROL_WEB_UI_URL)')
    .action(async (o: CodecServerCommandOptions) => codecServerCommand(loadConfig(), o));
}
