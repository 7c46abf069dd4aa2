/**
 * Runs the Snowflake emulator in its own process for the benchmark (so the measured worker's memory is its
 * own), loads the synthetic organisation, prints `{url, account, loadSeconds}` as one JSON line, and serves
 * until it is sent SIGTERM.
 */
import { generateKeyPair, startSnowflakeEmulator } from '../test/emulator';
import { daysFor, syntheticRows } from './synthetic-org';

async function main(): Promise<void> {
  const rows = Number(process.argv[2]);
  const warehouses = Number(process.argv[3]);
  const emulator = await startSnowflakeEmulator();
  const keys = generateKeyPair();
  emulator.addUser({ name: 'BENCH', password: 'bench-password', publicKeyPem: keys.publicKeyPem });
  const started = Date.now();
  const loaded = await emulator.loadMetering(syntheticRows(warehouses, daysFor(rows, warehouses)));
  process.stdout.write(
    `${JSON.stringify({ url: emulator.url, account: emulator.account, loaded, loadSeconds: (Date.now() - started) / 1000 })}\n`,
  );
  const stop = () => void emulator.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
