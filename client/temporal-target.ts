/** Which Temporal to talk to: TEMPORAL_ADDRESS, a dev server already on the dev port (7233), or one started here. */
import type { Config } from '../schemas/config';
import { isListening, startDevServer } from './dev-server';
import { resolveTemporalCli } from './temporal-cli';

export interface TemporalTarget {
  address: string;
  namespace: string;
  uiUrl: string;
  /** Human description for progress output. */
  description: string;
  stop(): Promise<void>;
}

export async function ensureTemporal(config: Config, log: (line: string) => void): Promise<TemporalTarget> {
  const namespace = config.temporal.namespace;
  if (config.temporal.address) {
    return {
      address: config.temporal.address,
      namespace,
      uiUrl: config.webUiUrl,
      description: config.temporal.address,
      stop: async () => undefined,
    };
  }
  const port = config.temporal.devPort;
  if (await isListening('127.0.0.1', port)) {
    return {
      address: `127.0.0.1:${port}`,
      namespace,
      uiUrl: config.webUiUrl,
      description: `the Temporal server already running on localhost:${port}`,
      stop: async () => undefined,
    };
  }
  const cliPath = await resolveTemporalCli({ explicitPath: config.temporal.cliPath, home: config.home, log });
  log(`Temporal: starting the dev server (${cliPath})…`);
  const server = await startDevServer({
    cliPath,
    home: config.home,
    namespace,
    port,
    uiPort: config.temporal.devUiPort,
  });
  return {
    address: server.address,
    namespace,
    uiUrl: server.uiUrl,
    description: `dev server started here (state in ${config.home}/temporal.db)`,
    stop: server.stop,
  };
}

/**
 * The address of a Temporal server that outlives this command (TEMPORAL_ADDRESS, or a dev server already on the
 * dev port), for commands that must not start their own: workers, schedules, status. Throws, saying what to do,
 * when there is none.
 */
export async function existingTemporalAddress(config: Config): Promise<string> {
  if (config.temporal.address) return config.temporal.address;
  const port = config.temporal.devPort;
  if (await isListening('127.0.0.1', port)) return `127.0.0.1:${port}`;
  throw new Error(
    `no Temporal server on localhost:${port}: set TEMPORAL_ADDRESS, or start one with \`snowpatrol dev-server\``,
  );
}
