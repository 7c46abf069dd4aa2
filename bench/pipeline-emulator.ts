/**
 * The pipeline benchmark's Snowflake: the test emulator in its own process (so the worker's memory is the worker's),
 * with a key-pair user BENCH, loaded with the first `loadDays` days of the benchmark organisation.
 *
 *   tsx bench/pipeline-emulator.ts WAREHOUSES TOTAL_DAYS LOAD_DAYS SEED DUTY PUBLIC_KEY_PEM_PATH
 *
 * Prints one JSON line `{url, account, rows, loadSeconds}` when it serves, then reads JSON lines on stdin:
 * `{"day": t}` appends day index t (the nightly runs' new day) and answers `{"day": "YYYY-MM-DD", "rows": n}`.
 * Exits when stdin closes (its parent is gone) or on SIGTERM.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { startSnowflakeEmulator } from '../test/emulator';
import { pipelineOrg, type Duty } from './pipeline-org';

async function main(): Promise<void> {
  const [warehouses, totalDays, loadDays, seed] = process.argv.slice(2, 6).map(Number);
  const duty = process.argv[6] as Duty;
  const publicKeyPem = fs.readFileSync(process.argv[7], 'utf8');
  const org = pipelineOrg(warehouses, totalDays, seed);
  const emulator = await startSnowflakeEmulator();
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= emulator.close().finally(() => process.exit(0)));
  process.once('SIGTERM', () => void close());
  process.once('SIGINT', () => void close());
  emulator.addUser({ name: 'BENCH', publicKeyPem });

  const started = performance.now();
  const rows = await emulator.loadMetering(org.rows(0, loadDays - 1, duty));
  const loadSeconds = (performance.now() - started) / 1000;
  const reply = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  reply({ url: emulator.url, account: emulator.account, rows, loadSeconds });

  const appended = new Set<number>();
  const input = readline.createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  input.on('line', (line) => {
    queue = queue.then(async () => {
      const { day } = JSON.parse(line) as { day: number };
      // Appending a day twice would duplicate its rows; the second request only reports it.
      const loaded = appended.has(day) ? 0 : await emulator.loadMetering(org.rows(day, day, duty));
      appended.add(day);
      reply({ day: org.day(day), rows: loaded });
    });
  });
  input.once('close', () => void queue.then(close));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
