/** `snowpatrol dev-server`: the embedded Temporal in the foreground until Ctrl-C. */
import type { Config } from '../../schemas/config';
import { startDevServer } from '../dev-server';
import { progress } from '../options';
import { resolveTemporalCli } from '../temporal-cli';

export async function devServerCommand(config: Config, opts: { uiCodecEndpoint?: string } = {}): Promise<void> {
  const cliPath = await resolveTemporalCli({ explicitPath: config.temporal.cliPath, home: config.home, log: progress });
  const server = await startDevServer({
    cliPath,
    home: config.home,
    namespace: config.temporal.namespace,
    port: config.temporal.devPort,
    uiPort: config.temporal.devUiPort,
    uiCodecEndpoint: opts.uiCodecEndpoint,
  });
  progress(
    `Temporal dev server on ${server.address}, Web UI ${server.uiUrl} (state in ${config.home}/temporal.db)` +
      `${opts.uiCodecEndpoint ? `, payloads decoded by ${opts.uiCodecEndpoint}` : ''}. Ctrl-C to stop.`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
    server.process.once('exit', () => resolve());
  });
  await server.stop();
}
