/** `snowpatrol worker`: a long-running worker; drains gracefully on SIGINT/SIGTERM. */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { describeConfig, type Config } from '../../schemas/config';
import { createSnowpatrolWorker } from '../../worker/create-worker';
import { installRuntime } from '../../worker/runtime';
import { activitiesFor, openConfiguredDatabase } from '../app';
import { existingTemporalAddress } from '../temporal-target';
import { progress } from '../options';

export async function workerCommand(config: Config): Promise<void> {
  const address = await existingTemporalAddress(config);
  installRuntime('INFO');
  const database = await openConfiguredDatabase(config);
  try {
    const connection = await NativeConnection.connect({ address });
    // Scheduled runs start the day's pipeline under its business id through this client.
    const clientConnection = await Connection.connect({ address });
    try {
      const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
      const worker = await createSnowpatrolWorker({
        connection,
        namespace: config.temporal.namespace,
        activities: activitiesFor(config, database, config.temporal.namespace, client),
        maxConcurrentActivities: config.maxConcurrentActivities,
      });
      progress(`snowpatrol worker: ${JSON.stringify(describeConfig(config))}; Ctrl-C drains and stops`);
      await worker.run();
    } finally {
      await clientConnection.close();
      await connection.close();
    }
  } finally {
    await database.close();
  }
}
