/**
 * The Temporal Core runtime: its logger (text or JSON lines, secrets masked) and, for `snowpatrol worker`, the
 * Prometheus metrics endpoint. It may be installed once per process; this guards it.
 */
import { Runtime, type LogLevel, type TelemetryOptions } from '@temporalio/worker';
import { StructuredLogger, logProcessWarnings } from './logging';

export interface InstallRuntimeOptions {
  /** Log as JSON lines (SNOWPATROL_LOG_JSON); Core's own log lines are then forwarded through the same logger. */
  json?: boolean;
  /** Values masked in every log line (see `configSecrets`). */
  secrets?: readonly string[];
  /** Serve the SDK's metrics for Prometheus on 0.0.0.0:<port>/metrics (SNOWPATROL_METRICS_PORT). */
  metricsPort?: number;
}

let installed = false;

/**
 * Install the runtime with a log level (`WARN` keeps CLI output readable; workers use `INFO`). Later calls in the
 * same process change nothing.
 */
export function installRuntime(level: LogLevel, options: InstallRuntimeOptions = {}): void {
  if (installed) return;
  installed = true;
  const logger = new StructuredLogger({ level, json: options.json ?? false, secrets: options.secrets });
  const telemetryOptions: TelemetryOptions = {};
  // Core logs straight to the console in its own text format unless forwarded; JSON mode needs every line in one
  // format, so they come through the logger (buffered ~100 ms by the SDK to keep the order).
  if (options.json) {
    telemetryOptions.logging = { forward: {}, filter: { core: 'WARN', other: 'ERROR' } };
    logProcessWarnings(logger);
  }
  if (options.metricsPort !== undefined) {
    telemetryOptions.metrics = { prometheus: { bindAddress: `0.0.0.0:${options.metricsPort}` } };
  }
  try {
    Runtime.install({ logger, telemetryOptions });
  } catch (err) {
    if (options.metricsPort === undefined) throw err;
    throw new Error(
      `SNOWPATROL_METRICS_PORT: cannot serve metrics on 0.0.0.0:${options.metricsPort}: ${(err as Error).message}`,
    );
  }
}
