/** The node:http server: /api/<method> for Web API calls, /upload/<fileId> for file bytes. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Args, Handler } from './args';
import { parseArgs, parseMultipart, readBody } from './body';
import { chatMethods } from './chat';
import { conversationMethods } from './conversations';
import type { FaultQueue } from './faults';
import { UPLOAD_PATH, fileMethods } from './files';
import { SlackApiError, type SlackState } from './state';
import type { RecordedCall } from './types';

const API_PATH = '/api/';

const METHODS: Record<string, Handler> = { ...chatMethods, ...conversationMethods, ...fileMethods };

export interface ServerDeps {
  state: SlackState;
  faults: FaultQueue;
  calls: RecordedCall[];
  /** Whether this Authorization header carries the valid, unrevoked token. */
  authorized(header: string | undefined): boolean;
}

export interface RunningServer {
  origin: string;
  close(): Promise<void>;
}

export async function startServer(deps: ServerDeps): Promise<RunningServer> {
  let origin = '';
  const server = http.createServer((req, res) => {
    handle(deps, origin, req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain', `slack fake failed: ${String(err)}`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // fetch keeps connections alive; without this close() would wait for them to idle out.
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

async function handle(deps: ServerDeps, origin: string, req: http.IncomingMessage, res: http.ServerResponse) {
  const url = new URL(req.url ?? '/', origin);
  if (url.pathname.startsWith(API_PATH)) {
    await handleApi(deps, origin, decodeURIComponent(url.pathname.slice(API_PATH.length)), url, req, res);
  } else if (req.method === 'POST' && url.pathname.startsWith(UPLOAD_PATH)) {
    await handleUpload(deps, url.pathname.slice(UPLOAD_PATH.length), req, res);
  } else {
    send(res, 404, 'text/plain', 'Not Found');
  }
}

async function handleApi(
  deps: ServerDeps,
  origin: string,
  method: string,
  url: URL,
  req: http.IncomingMessage,
  res: http.ServerResponse,
) {
  // Recorded on arrival so that `calls` is in arrival order even when bodies finish out of order.
  const call: RecordedCall = { method, args: {}, at: Date.now(), status: 200, ok: false };
  deps.calls.push(call);
  const body = await readBody(req);
  let args: Args;
  try {
    args = parseArgs(req.headers['content-type'], body, url.searchParams);
  } catch {
    return answer(res, call, 200, { ok: false, error: 'invalid_form_data' });
  }
  call.args = args;
  const fault = deps.faults.take(method);
  if (fault?.kind === 'rateLimit') {
    return answer(
      res,
      call,
      429,
      { ok: false, error: 'ratelimited' },
      { 'Retry-After': String(fault.retryAfterSeconds) },
    );
  }
  if (fault?.kind === 'fail') return answer(res, call, 200, { ok: false, error: fault.error });
  const result = perform(deps, origin, method, args, req.headers.authorization);
  if (fault?.kind === 'hangAfterHandling') {
    Object.assign(call, { status: 200, ok: result.ok === true, error: result.error, dropped: true });
    return;
  }
  if (fault?.kind === 'dropAfterHandling') {
    Object.assign(call, { status: 200, ok: result.ok === true, error: result.error, dropped: true });
    res.socket?.destroy();
    return;
  }
  answer(res, call, 200, result);
}

function perform(
  deps: ServerDeps,
  origin: string,
  method: string,
  args: Args,
  authorization: string | undefined,
): Record<string, unknown> {
  const handler = METHODS[method];
  if (!handler) return { ok: false, error: 'unknown_method', req_method: method };
  if (!deps.authorized(authorization)) return { ok: false, error: 'invalid_auth' };
  try {
    return { ok: true, ...handler(args, { state: deps.state, origin }) };
  } catch (err) {
    if (err instanceof SlackApiError) return { ok: false, error: err.code };
    throw err;
  }
}

/** Store the bytes for a file. WebClient sends them as multipart/form-data (one part, named 'body'); accept raw too. */
async function handleUpload(deps: ServerDeps, fileId: string, req: http.IncomingMessage, res: http.ServerResponse) {
  const body = await readBody(req);
  const file = deps.state.findFile(fileId);
  if (!file || file.completed) return send(res, 404, 'text/plain', 'Not Found');
  const contentType = req.headers['content-type'] ?? '';
  let bytes = body;
  if (contentType.toLowerCase().startsWith('multipart/form-data')) {
    const parts = parseMultipart(contentType, body);
    const part = parts.find((p) => p.filename !== undefined) ?? parts[0];
    if (!part) return send(res, 400, 'text/plain', 'empty multipart body');
    bytes = part.data;
  }
  file.bytes = Buffer.from(bytes);
  file.uploaded = true;
  send(res, 200, 'text/plain', `OK - ${bytes.length}`);
}

function answer(
  res: http.ServerResponse,
  call: RecordedCall,
  status: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): void {
  call.status = status;
  call.ok = body.ok === true;
  if (typeof body.error === 'string') call.error = body.error;
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body), headers);
}

function send(
  res: http.ServerResponse,
  status: number,
  contentType: string,
  text: string,
  headers: Record<string, string> = {},
): void {
  const payload = Buffer.from(text);
  res.writeHead(status, { ...headers, 'Content-Type': contentType, 'Content-Length': payload.length });
  res.end(payload);
}
