/**
 * A codec server for the Temporal Web UI and CLI (Temporal's codec server protocol): `POST /encode` and
 * `POST /decode` take `{"payloads": [...]}` — payloads in proto3 JSON, every bytes field (data, each metadata
 * value) base64 — run them through the payload codec and answer in the same shape. The routes are also served
 * under a namespace segment (`/<namespace>/decode`, for the CLI's `--codec-endpoint` templating). CORS admits
 * only the configured Web UI origins (preflight included, with the `X-Namespace` and `Authorization` headers the
 * UI sends); a browser request from any other origin is refused. `GET /healthz` answers `ok`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';

/** Bodies above this are refused (a payload stops at 2 MB; the UI sends an event's payloads at a time). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export const HEALTH_PATH = '/healthz';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** 0: any free port. */
  port: number;
  host: string;
  /** Origins allowed by CORS, e.g. `http://localhost:8233`. */
  origins: readonly string[];
  /** Where failures are reported (never payload contents). */
  log?: (line: string) => void;
}

export interface RunningCodecServer {
  /** `http://host:port` */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A request the server refuses, with the HTTP status to answer. */
export class CodecRequestError extends Error {
  override readonly name = 'CodecRequestError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** JSON form of a payload: metadata values and data as base64. */
export interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function bytesOf(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) {
    throw new CodecRequestError(400, `${where} must be a base64 string`);
  }
  return Buffer.from(value, 'base64');
}

/** The payloads of a request body, or a 400 naming what is wrong. */
export function payloadsFromJson(body: unknown): Payload[] {
  const payloads = (body as { payloads?: unknown } | null)?.payloads;
  if (typeof body !== 'object' || body === null || !Array.isArray(payloads)) {
    throw new CodecRequestError(400, 'the body must be a JSON object with a "payloads" array');
  }
  return payloads.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null) throw new CodecRequestError(400, `payloads[${i}] must be an object`);
    const { metadata, data } = item as { metadata?: unknown; data?: unknown };
    if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata))) {
      throw new CodecRequestError(400, `payloads[${i}].metadata must be an object of base64 strings`);
    }
    return {
      metadata: Object.fromEntries(
        Object.entries((metadata ?? {}) as Record<string, unknown>).map(([k, v]) => [
          k,
          bytesOf(v, `payloads[${i}].metadata.${k}`),
        ]),
      ),
      data: data === undefined || data === null ? new Uint8Array() : bytesOf(data, `payloads[${i}].data`),
    };
  });
}

export function payloadsToJson(payloads: readonly Payload[]): { payloads: JsonPayload[] } {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
      data: b64(p.data ?? new Uint8Array()),
    })),
  };
}

/** The allowed origins, each with its loopback twin (the Web UI's origin is whichever of the two was typed). */
export function allowedOrigins(origins: readonly string[]): Set<string> {
  const allowed = new Set<string>();
  for (const origin of origins) {
    const trimmed = origin.trim().replace(/\/+$/, '');
    if (trimmed === '') continue;
    allowed.add(trimmed);
    if (trimmed.includes('//localhost')) allowed.add(trimmed.replace('//localhost', '//127.0.0.1'));
    if (trimmed.includes('//127.0.0.1')) allowed.add(trimmed.replace('//127.0.0.1', '//localhost'));
  }
  return allowed;
}

/** `encode` or `decode` for `/encode`, `/decode` and `/<namespace>/…`; undefined for any other path. */
function operationOf(pathname: string): 'encode' | 'decode' | undefined {
  const match = /^(?:\/[^/]+)?\/(encode|decode)\/?$/.exec(pathname);
  return match ? (match[1] as 'encode' | 'decode') : undefined;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new CodecRequestError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  const origins = allowedOrigins(options.origins);
  const log = options.log ?? (() => undefined);

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const origin = req.headers.origin;
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (origin !== undefined) {
      // Browsers send Origin on cross-origin requests: only the Web UI's may use (or even probe) the server.
      if (!origins.has(origin)) return send(403, `origin ${origin} is not allowed (snowpatrol codec-server --origin)`);
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('vary', 'Origin');
    }
    const { pathname } = new URL(req.url ?? '/', 'http://codec.invalid');
    if (pathname === HEALTH_PATH) return req.method === 'GET' ? send(200, 'ok') : send(405, 'use GET');
    const operation = operationOf(pathname);
    if (operation === undefined) return send(404, 'not found: POST /encode or /decode');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': 'Content-Type, X-Namespace, Authorization',
        'access-control-max-age': '600',
      });
      return res.end();
    }
    if (req.method !== 'POST') return send(405, 'use POST');
    try {
      const type = req.headers['content-type'] ?? '';
      if (!/^application\/json\b/i.test(type)) throw new CodecRequestError(415, 'send Content-Type: application/json');
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req)).toString('utf8'));
      } catch (err) {
        if (err instanceof CodecRequestError) throw err;
        throw new CodecRequestError(400, 'the body is not valid JSON');
      }
      const payloads = payloadsFromJson(body);
      const result =
        operation === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
      return send(200, JSON.stringify(payloadsToJson(result)), 'application/json');
    } catch (err) {
      const status = err instanceof CodecRequestError ? err.status : 422;
      const message = err instanceof Error ? err.message : String(err);
      log(`codec-server: ${operation} refused (${status}): ${message}`);
      return send(status, message);
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`codec-server: ${String(err)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
