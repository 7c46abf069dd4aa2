/**
 * The HTTP side: the endpoints snowflake-sdk 3.3.0 calls (services/sf.js, connection/statement.js,
 * connection/connection.js), on 127.0.0.1 only.
 *   POST /session/v1/login-request   log in (password or key-pair JWT)
 *   POST /session/token-request      renew the session token with the master token
 *   POST /session/heartbeat          keep-alive
 *   POST /session?delete=true        log out (connection.destroy)
 *   POST /queries/v1/query-request   run a statement (faults apply here only)
 *   GET  /queries/{id}/result        a recent result again (connection.fetchResult)
 *   POST /queries/v1/abort-request, /queries/{id}/abort-request   cancel (nothing runs long enough to cancel)
 *   GET  /monitoring/queries/{id}    query status (connection.getQueryStatus)
 *   POST /telemetry/send             in-band telemetry
 * Anything else is recorded in `unhandled` and answered 404.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthService } from './auth';
import type { FaultQueue } from './faults';
import { parseJson, readBody, sendHtml, sendJson, sendJsonThenDrop } from './http-util';
import { plainBinds, type QueryRequestBody, type QueryService } from './query-service';
import { failure, ok, sessionExpired } from './responses';
import type { EmulatorStats, RecordedQuery } from './types';

export interface ServerDeps {
  auth: AuthService;
  queries: QueryService;
  faults: FaultQueue;
  stats: EmulatorStats;
  recorded: RecordedQuery[];
  unhandled: string[];
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(deps: ServerDeps): Promise<RunningServer> {
  const pendingDelays = new Map<NodeJS.Timeout, () => void>();
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        pendingDelays.delete(timer);
        resolve();
      }, ms);
      pendingDelays.set(timer, resolve);
    });

  const handleQuery = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    deps.stats.queryRequests++;
    const body = (parseJson(await readBody(req)) ?? {}) as QueryRequestBody;
    deps.recorded.push({
      user: deps.auth.peek(req.headers.authorization)?.user ?? '',
      sqlText: typeof body.sqlText === 'string' ? body.sqlText : '',
      binds: plainBinds(body.bindings),
      parameters: { ...(body.parameters ?? {}) },
      requestId: url.searchParams.get('requestId') ?? '',
      retryCount: Number(url.searchParams.get('retryCount') ?? 0),
    });
    const plan = deps.faults.onArrival();
    if (plan.delayMs > 0) await delay(plan.delayMs);
    if (plan.failStatus !== undefined) {
      deps.stats.failedByFault++;
      return sendHtml(res, plan.failStatus, http.STATUS_CODES[plan.failStatus] ?? 'Error');
    }
    const authenticated = deps.auth.authenticate(req.headers.authorization);
    if ('error' in authenticated) return sendJson(res, authenticated.error);
    const fault = deps.faults.onAuthenticated();
    if (fault === 'expire') {
      authenticated.session.expired = true;
      return sendJson(res, sessionExpired());
    }
    const answer = await deps.queries.execute(body, authenticated.session);
    if (fault === 'drop') {
      deps.stats.failedByFault++;
      return sendJsonThenDrop(res, answer);
    }
    sendJson(res, answer);
  };

  const route = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (method === 'POST' && path === '/queries/v1/query-request') return handleQuery(req, res, url);
    const body = parseJson(await readBody(req));
    if (method === 'POST' && path === '/session/v1/login-request') {
      deps.stats.logins++;
      const outcome = deps.auth.login(body, url.searchParams);
      if (outcome.kind === 'unknown-account') return sendHtml(res, 403, 'Forbidden');
      return sendJson(res, outcome.body);
    }
    if (method === 'POST' && path === '/session/token-request') {
      deps.stats.renewals++;
      return sendJson(res, deps.auth.renew(req.headers.authorization, body));
    }
    if (method === 'POST' && path === '/telemetry/send') return sendJson(res, ok('Log Received'));
    const authenticated = deps.auth.authenticate(req.headers.authorization);
    if (method === 'POST' && path === '/session' && url.searchParams.get('delete') === 'true') {
      if ('session' in authenticated) deps.auth.logout(authenticated.session);
      return sendJson(res, 'error' in authenticated ? authenticated.error : ok(null));
    }
    if ('error' in authenticated) {
      const known = /^\/(session\/heartbeat|queries\/|monitoring\/queries\/)/.test(path);
      if (known) return sendJson(res, authenticated.error);
    } else {
      if (method === 'POST' && path === '/session/heartbeat') return sendJson(res, ok(null));
      if (method === 'POST' && /^\/queries\/(v1|[0-9a-f-]+)\/abort-request$/.test(path)) return sendJson(res, ok(null));
      const resultMatch = /^\/queries\/([0-9a-f-]+)\/result$/.exec(path);
      if (method === 'GET' && resultMatch) {
        const result = deps.queries.result(resultMatch[1]);
        return sendJson(res, result ?? failure('000709', `Statement ${resultMatch[1]} not found`));
      }
      const monitorMatch = /^\/monitoring\/queries\/([0-9a-f-]+)$/.exec(path);
      if (method === 'GET' && monitorMatch) {
        const result = deps.queries.result(monitorMatch[1]);
        const status =
          result === undefined
            ? []
            : [{ id: monitorMatch[1], status: result.success ? 'SUCCESS' : 'FAILED_WITH_ERROR' }];
        return sendJson(res, ok({ queries: status }));
      }
    }
    deps.unhandled.push(`${method} ${path}`);
    sendHtml(res, 404, 'Not Found');
  };

  const server = http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(res, failure('000603', `Snowflake emulator internal error: ${String(err)}`), 500);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const [timer, resolve] of pendingDelays) {
        clearTimeout(timer);
        resolve();
      }
      pendingDelays.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
