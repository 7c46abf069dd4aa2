/** `snowpatrol worker`: a long-running worker; drains gracefully on SIGINT/SIGTERM. */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { configSecrets, describeConfig, type Config } from '../../schemas/config';
import { TASK_QUEUE } from '../../schemas/constants';
import { describePayloadEncryption } from '../../schemas/payload-codec-config';
import { createSnowpatrolWorker } from '../../worker/create-worker';
import { progressLog } from '../../worker/logging';
import { installRuntime } from '../../worker/runtime';
import { activitiesFor, openConfiguredDatabase } from '../app';
import { existingTemporal } from '../temporal-target';

export async function workerCommand(config: Config): Promise<void> {
  const secrets = configSecrets(config);
  const log = progressLog({ json: config.logJson, secrets });
  const temporal = await existingTemporal(config);
  installRuntime('INFO', { json: config.logJson, secrets, metricsPort: config.metricsPort });
  const database = await openConfiguredDatabase(config);
  try {
    const connection = await NativeConnection.connect(temporal.connectOptions);
    try {
      // Scheduled runs start the day's pipeline under its business id through this client.
      const clientConnection = await Connection.connect(temporal.connectOptions);
      try {
        const client = new Client({
          connection: clientConnection,
          namespace: temporal.namespace,
          dataConverter: temporal.dataConverter,
        });
        const worker = await createSnowpatrolWorker({
          connection,
          namespace: temporal.namespace,
          activities: activitiesFor(config, database, temporal.namespace, client),
          maxConcurrentActivities: config.maxConcurrentActivities,
          dataConverter: temporal.dataConverter,
        });
        const summary = {
          ...describeConfig(config),
          payloadEncryption: describePayloadEncryption(config.temporal.payloadEncryption),
        };
        const metrics = config.metricsPort !== undefined ? `http://0.0.0.0:${config.metricsPort}/metrics` : 'off';
        if (config.logJson) {
          log('snowpatrol worker started; SIGINT/SIGTERM drains and stops', {
            ...summary,
            taskQueue: TASK_QUEUE,
            metrics,
          });
        } else {
          log(`snowpatrol worker: ${JSON.stringify({ ...summary, metrics })}; Ctrl-C drains and stops`);
        }
        // The SDK drains the worker on the first SIGINT/SIGTERM. Stay subscribed until it has stopped, so that a
        // repeated signal (a second Ctrl-C, a supervisor signalling the whole process group) cannot end the process
        // before running activities finish or the worker's shutdown grace time is up.
        let signals = 0;
        const onSignal = (signal: NodeJS.Signals) =>
          log(
            signals++ === 0
              ? `${signal}: draining — no new tasks; running activities may finish first`
              : `${signal}: already draining`,
          );
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, onSignal);
        try {
          await worker.run();
        } finally {
          for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, onSignal);
        }
        log('snowpatrol worker stopped');
      } finally {
        await clientConnection.close();
      }
    } finally {
      await connection.close();
    }
  } finally {
    await database.close();
  }
}
