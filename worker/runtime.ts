/** The Temporal Core runtime may be installed once per process; this guards it. */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

let installed = false;

/** Install the runtime with a log level (`WARN` keeps CLI output readable; workers use `INFO`). */
export function installRuntime(level: LogLevel): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new DefaultLogger(level) });
}
