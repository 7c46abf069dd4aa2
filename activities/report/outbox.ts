/**
 * The outbox: where alerts go when no Slack token is configured. Each message is one JSON file whose name is
 * derived from its idempotency keys, written atomically (temp file + rename), so a retried delivery rewrites
 * the same file instead of adding a second alert.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '../ml/isolation-forest';

function outboxFile(dir: string, label: string, keys: string[]): string {
  return path.join(dir, `${label}-${sha256([...keys].sort().join('\n')).slice(0, 12)}.json`);
}

/** The file already written for these keys, if any. */
export async function findOutboxMessage(dir: string, label: string, keys: string[]): Promise<string | undefined> {
  const file = outboxFile(dir, label, keys);
  return fs.promises.access(file).then(
    () => file,
    () => undefined,
  );
}

/** Write `message` for these keys; returns the file path. */
export async function writeOutboxMessage(
  dir: string,
  label: string,
  keys: string[],
  message: unknown,
): Promise<string> {
  await fs.promises.mkdir(dir, { recursive: true });
  const file = outboxFile(dir, label, keys);
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, `${JSON.stringify(message, null, 2)}\n`);
  await fs.promises.rename(tmp, file);
  return file;
}
