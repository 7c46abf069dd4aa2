/** Small node:http helpers: request bodies (gzip or not) and Snowflake-style responses. */
import type http from 'node:http';
import zlib from 'node:zlib';

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * The request body, decompressed if it is gzip. snowflake-sdk's http/base.js starts a zlib.gzip whose callback
 * sets `Content-Encoding: gzip` on a headers object the request has usually already been sent with, and the body
 * it sends is the uncompressed JSON (observed: no Content-Encoding, plain JSON). The header cannot be trusted
 * either way, so the gzip magic number decides.
 */
export async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return raw[0] === GZIP_MAGIC[0] && raw[1] === GZIP_MAGIC[1] ? zlib.gunzipSync(raw) : raw;
}

export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export function sendJson(res: http.ServerResponse, body: unknown, status = 200): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': payload.length });
  res.end(payload);
}

/** What a load balancer sends: a status and a small HTML page. */
export function sendHtml(res: http.ServerResponse, status: number, title: string): void {
  const payload = Buffer.from(`<html><head><title>${status} ${title}</title></head><body>${title}</body></html>`);
  res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': payload.length });
  res.end(payload);
}

/** Send the headers and about half of the body, then destroy the socket. */
export function sendJsonThenDrop(res: http.ServerResponse, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': payload.length });
  res.flushHeaders();
  res.write(payload.subarray(0, Math.max(1, Math.floor(payload.length / 2))), () => res.socket?.destroy());
}
