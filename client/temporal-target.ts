/**
 * Which Temporal to talk to — the configured server (TEMPORAL_ADDRESS or a Temporal config file profile, with its
 * TLS and API key), a dev server already on the dev port (7233), or one started here — and the options every
 * `Connection.connect` and `NativeConnection.connect` of the project uses to reach it.
 */
import type { TLSConfig } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { toClientOptions } from '@temporalio/envconfig';
import type { Config } from '../schemas/config';
import type { TemporalConnectionSettings } from '../schemas/temporal-connection';
import { payloadDataConverter } from '../worker/payload-codec';
import { isListening, startDevServer } from './dev-server';
import { resolveTemporalCli } from './temporal-cli';

/** Options accepted alike by the client's `Connection.connect` and the worker's `NativeConnection.connect`. */
export interface TemporalConnectOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

/**
 * The connect options of the configured server: its address, TLS (certificate files read now, so a renewed one is
 * picked up by the next connection), API key and gRPC metadata, from the envconfig profile.
 */
export function connectOptions(settings: TemporalConnectionSettings & { address: string }): TemporalConnectOptions {
  const address = settings.address;
  let options: ReturnType<typeof toClientOptions>['connectionOptions'];
  try {
    options = toClientOptions(settings.profile).connectionOptions;
  } catch (err) {
    throw new Error(`cannot set up TLS for Temporal at ${address}: ${(err as Error).message}`);
  }
  return {
    address,
    ...(options.tls !== undefined && options.tls !== null && { tls: options.tls }),
    ...(options.apiKey !== undefined && { apiKey: options.apiKey }),
    ...(options.metadata !== undefined && { metadata: options.metadata as Record<string, string> }),
  };
}

/**
 * The data converter of every Temporal client, worker and replay of the project: payloads encrypted with the
 * SNOWPATROL_PAYLOAD_* key when one is configured, and encrypted payloads decrypted (or refused, naming the key id).
 */
export function temporalDataConverter(settings: Pick<TemporalConnectionSettings, 'payloadEncryption'>): DataConverter {
  return payloadDataConverter(settings.payloadEncryption);
}

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** Pass to `Connection.connect` / `NativeConnection.connect`. */
  connectOptions: TemporalConnectOptions;
  /** Pass to every `new Client`, `Worker.create` and replay (see `temporalDataConverter`). */
  dataConverter: DataConverter;
  uiUrl: string;
  /** Human description for progress output. */
  description: string;
  stop(): Promise<void>;
}

export async function ensureTemporal(config: Config, log: (line: string) => void): Promise<TemporalTarget> {
  const namespace = config.temporal.namespace;
  const dataConverter = temporalDataConverter(config.temporal);
  if (config.temporal.address) {
    return {
      address: config.temporal.address,
      namespace,
      connectOptions: connectOptions({ ...config.temporal, address: config.temporal.address }),
      dataConverter,
      uiUrl: config.webUiUrl,
      description: `${config.temporal.address} (${describeSecurity(config.temporal)})`,
      stop: async () => undefined,
    };
  }
  const port = config.temporal.devPort;
  if (await isListening('127.0.0.1', port)) {
    return {
      address: `127.0.0.1:${port}`,
      namespace,
      connectOptions: { address: `127.0.0.1:${port}` },
      dataConverter,
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
    connectOptions: { address: server.address },
    dataConverter,
    uiUrl: server.uiUrl,
    description: `dev server started here (state in ${config.home}/temporal.db)`,
    stop: server.stop,
  };
}

/** `mTLS, profile prod (/etc/temporal.toml)` */
function describeSecurity(settings: TemporalConnectionSettings): string {
  const profile =
    settings.profileName !== undefined ? `, profile ${settings.profileName} (${settings.configFile})` : '';
  return `${settings.security}${profile}`;
}

/**
 * A Temporal server that outlives this command (the configured one, or a dev server already on the dev port), for
 * commands that must not start their own: workers, schedules, status. Throws, saying what to do, when there is
 * none.
 */
export async function existingTemporal(config: Config): Promise<Omit<TemporalTarget, 'stop' | 'uiUrl'>> {
  const namespace = config.temporal.namespace;
  const dataConverter = temporalDataConverter(config.temporal);
  if (config.temporal.address) {
    const address = config.temporal.address;
    return {
      address,
      namespace,
      connectOptions: connectOptions({ ...config.temporal, address }),
      dataConverter,
      description: `${address} (${describeSecurity(config.temporal)})`,
    };
  }
  const port = config.temporal.devPort;
  const address = `127.0.0.1:${port}`;
  if (await isListening('127.0.0.1', port)) {
    return {
      address,
      namespace,
      connectOptions: { address },
      dataConverter,
      description: `the dev server on localhost:${port}`,
    };
  }
  throw new Error(
    `no Temporal server on localhost:${port}: set TEMPORAL_ADDRESS (or TEMPORAL_PROFILE), or start one with ` +
      '`snowpatrol dev-server`',
  );
}
