/**
 * The outbox transport: each message is a JSON file (Block Kit blocks, metadata with the idempotency keys, the
 * channel it would have gone to), charts are PNGs beside it. Files are written atomically and named by their
 * keys, so a retried delivery rewrites the same file.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AlertMessage } from './block-kit';
import { messageKeys, type AlertTransport, type ChartImage } from './transport';
import { writeOutboxMessage } from '../report/outbox';

/** What an outbox file holds. */
export interface OutboxMessage extends AlertMessage {
  channel: string;
  /** How many times the message was updated in place (a restatement or a feedback click). */
  updates?: number;
}

export class OutboxTransport implements AlertTransport {
  readonly kind = 'outbox';
  constructor(private readonly dir: string) {}

  async post(channel: string, message: AlertMessage, label: string): Promise<string> {
    const body: OutboxMessage = { channel, ...message };
    return writeOutboxMessage(this.dir, label, messageKeys(message), body);
  }

  async update(ref: string, message: AlertMessage): Promise<void> {
    const before = JSON.parse(await fs.promises.readFile(ref, 'utf8')) as OutboxMessage;
    const after: OutboxMessage = { channel: before.channel, ...message, updates: (before.updates ?? 0) + 1 };
    const tmp = `${ref}.${process.pid}.tmp`;
    await fs.promises.writeFile(tmp, `${JSON.stringify(after, null, 2)}\n`);
    await fs.promises.rename(tmp, ref);
  }

  async findPosted(channel: string, keys: readonly string[], since: Date): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const wanted = new Set(keys);
    const names = await fs.promises.readdir(this.dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const file = path.join(this.dir, name);
      const stat = await fs.promises.stat(file);
      if (stat.mtime < since) continue;
      const message = JSON.parse(await fs.promises.readFile(file, 'utf8')) as OutboxMessage;
      if (message.channel !== channel || !message.metadata) continue;
      for (const key of messageKeys(message)) if (wanted.has(key) && !found.has(key)) found.set(key, file);
    }
    return found;
  }

  async attachCharts(ref: string, charts: readonly ChartImage[]): Promise<string> {
    const written: string[] = [];
    for (const chart of charts) {
      const file = `${ref.replace(/\.json$/, '')}-${chart.filename}`;
      await fs.promises.writeFile(file, chart.png);
      written.push(file);
    }
    return written.join(',');
  }
}
