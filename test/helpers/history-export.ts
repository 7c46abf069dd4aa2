/**
 * Everything the Temporal server keeps about a namespace's runs, as an auditor would export it: every execution
 * (children and failed runs included) with its raw history — payloads exactly as stored, never decoded — and
 * ways to search it for text, in the clear or base64-encoded.
 */
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils';

export interface ExportedRun {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  history: History;
}

/** Every execution in the client's namespace, each with its history as the server returns it. */
export async function exportHistories(client: Client): Promise<ExportedRun[]> {
  const runs: ExportedRun[] = [];
  for await (const execution of client.workflow.list()) {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    runs.push({
      workflowId: execution.workflowId,
      runId: execution.runId,
      type: execution.type,
      status: execution.status.name,
      history,
    });
  }
  return runs;
}

export interface FoundPayload {
  /** Where in the history, e.g. `events[0].workflowExecutionStartedEventAttributes.input.payloads[0]`. */
  path: string;
  payload: Payload;
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** A Payload has metadata (at least `encoding`) whose values are bytes, and bytes of data. */
function isPayload(value: object): boolean {
  const { metadata, data } = value as { metadata?: unknown; data?: unknown };
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return false;
  const values = Object.values(metadata);
  return values.length > 0 && values.every(isBytes) && (data === undefined || data === null || isBytes(data));
}

/** Every payload in `value` (a history or any part of it), found by its shape, with its path. */
export function payloadsIn(value: unknown, path = ''): FoundPayload[] {
  if (value === null || typeof value !== 'object' || isBytes(value)) return [];
  if (isPayload(value)) return [{ path, payload: value as Payload }];
  const found: FoundPayload[] = [];
  const entries = Array.isArray(value) ? value.map((v, i) => [`[${i}]`, v] as const) : Object.entries(value);
  for (const [key, child] of entries) {
    found.push(...payloadsIn(child, Array.isArray(value) ? `${path}${key}` : path ? `${path}.${key}` : key));
  }
  return found;
}

/** Search attributes are indexed by the server and are never encoded by a payload codec (by design). */
export function isSearchAttribute(found: FoundPayload): boolean {
  return /(^|\.)searchAttributes\./.test(found.path);
}

/** A payload's bytes (metadata values and data) as latin1 text, so any byte sequence can be searched. */
export function payloadText(payload: Payload): string {
  const parts = [...Object.values(payload.metadata ?? {}), payload.data ?? new Uint8Array()];
  return parts.map((bytes) => Buffer.from(bytes).toString('latin1')).join('\n');
}

/**
 * Anything the server answered (a history, a describe response) as searchable text: its JSON with bytes in base64,
 * plus every payload's raw bytes.
 */
export function searchableText(value: unknown): string {
  const json = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? Buffer.from(raw).toString('base64') : v;
  });
  return [json, ...payloadsIn(value).map((found) => payloadText(found.payload))].join('\n');
}

/** A run as searchable text: its id, its history in proto JSON, and every payload's raw bytes. */
export function runText(run: ExportedRun): string {
  return [run.workflowId, historyToJSON(run.history), searchableText(run.history)].join('\n');
}

/**
 * The forms `secret` takes when base64-encoded at any byte offset inside a larger value (standard and URL-safe
 * alphabets): the characters that depend only on the secret's own bytes.
 */
export function base64Forms(secret: string): string[] {
  const forms = new Set<string>();
  for (const shift of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(shift), Buffer.from(secret, 'utf8')]).toString('base64');
    const core = encoded.slice(shift === 0 ? 0 : 4, -4);
    if (core.length >= 8) {
      forms.add(core);
      forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...forms];
}

/** Each of `secrets` (clear or base64) found in `text`, with a little context; empty when none is there. */
export function findSecrets(text: string, secrets: readonly string[]): string[] {
  const hits: string[] = [];
  for (const secret of secrets) {
    for (const form of [secret, ...base64Forms(secret)]) {
      const at = text.indexOf(form);
      if (at !== -1) {
        const context = text.slice(Math.max(0, at - 80), at + form.length + 80).replace(/\s+/g, ' ');
        hits.push(`${form === secret ? secret : `${secret} (as base64 ${form})`} in …${context}…`);
      }
    }
  }
  return hits;
}
