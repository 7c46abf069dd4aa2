/** Request bodies as WebClient sends them: url-encoded forms, JSON, or multipart/form-data. */
import type http from 'node:http';

/** Fields WebClient serialises with JSON.stringify because they are objects or arrays. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata', 'files']);

/** One part of a multipart/form-data body. */
export interface FormPart {
  name: string;
  filename?: string;
  data: Buffer;
}

export async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The method arguments in a request: query string, then body fields, with JSON-valued fields decoded. */
export function parseArgs(
  contentType: string | undefined,
  body: Buffer,
  query: URLSearchParams,
): Record<string, unknown> {
  const args: Record<string, unknown> = Object.fromEntries(query);
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('application/json')) {
    const parsed = body.length > 0 ? (JSON.parse(body.toString('utf8')) as unknown) : {};
    if (typeof parsed === 'object' && parsed !== null) Object.assign(args, parsed);
  } else if (type.startsWith('multipart/form-data')) {
    for (const part of parseMultipart(contentType ?? '', body)) {
      args[part.name] = part.filename === undefined ? part.data.toString('utf8') : part.data;
    }
  } else if (body.length > 0) {
    Object.assign(args, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
  }
  for (const field of JSON_FIELDS) {
    const value = args[field];
    if (typeof value === 'string' && value.length > 0) args[field] = JSON.parse(value) as unknown;
  }
  return args;
}

/** Split a multipart/form-data body into its parts, byte-exact (the parts may be binary). */
export function parseMultipart(contentType: string, body: Buffer): FormPart[] {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!match) throw new Error('multipart body without a boundary');
  const delimiter = Buffer.from(`--${match[1] ?? match[2]}`);
  const parts: FormPart[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const afterDelimiter = start + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break;
    const headersEnd = body.indexOf('\r\n\r\n', afterDelimiter);
    const next = body.indexOf(delimiter, headersEnd);
    if (headersEnd === -1 || next === -1) throw new Error('truncated multipart body');
    const headers = body.subarray(afterDelimiter + 2, headersEnd).toString('utf8');
    // The part's data ends with the CRLF that precedes the next delimiter.
    const data = body.subarray(headersEnd + 4, next - 2);
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '';
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    parts.push({ name, filename, data: Buffer.from(data) });
    start = next;
  }
  return parts;
}
