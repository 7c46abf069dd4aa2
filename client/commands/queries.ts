/** `snowpatrol anomalies` and `snowpatrol models`: read the state database directly. */
import { listAnomalies } from '../../activities/store/anomaly-store';
import { listModels } from '../../activities/store/model-store';
import type { Config } from '../../schemas/config';
import { openConfiguredDatabase } from '../app';
import { anomaliesTable, modelsTable } from '../report';

export async function anomaliesCommand(
  config: Config,
  opts: { from: string; to: string; json: boolean },
): Promise<void> {
  if (opts.from > opts.to) throw new Error(`--from ${opts.from} is after --to ${opts.to}`);
  const database = await openConfiguredDatabase(config);
  try {
    const rows = await listAnomalies(database.db, opts.from, opts.to);
    process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : `${anomaliesTable(rows)}\n`);
  } finally {
    await database.close();
  }
}

export async function modelsCommand(config: Config, opts: { json: boolean }): Promise<void> {
  const database = await openConfiguredDatabase(config);
  try {
    const rows = await listModels(database.db);
    process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : `${modelsTable(rows)}\n`);
  } finally {
    await database.close();
  }
}
