/**
 * A test-only Snowflake: an HTTP server on 127.0.0.1 that speaks the protocol of snowflake-sdk 3.3.0
 * (login, token renewal, JSON results, Snowflake error codes) over an embedded PGlite holding the
 * SNOWFLAKE.ORGANIZATION_USAGE / ACCOUNT_USAGE views, with injectable faults. Point the real driver at it with
 * `createConnection({ account: emulator.account, accessUrl: emulator.url, … })`.
 */
import { AuthService } from './auth';
import { loadMeteringRows, loadQueryRows, loadUsageInCurrencyRows, type OrgInfo } from './bulk-load';
import { FaultQueue } from './faults';
import { QueryService } from './query-service';
import { startServer } from './server';
import { SqlEngine } from './sql-engine';
import type {
  EmulatorOptions,
  EmulatorStats,
  MeteringRowInput,
  QueryRowInput,
  RecordedQuery,
  SnowflakeEmulator,
  UsageInCurrencyRowInput,
} from './types';

export { generateKeyPair } from './keys';
export type {
  EmulatorFaults,
  EmulatorOptions,
  EmulatorStats,
  EmulatorUser,
  MeteringRowInput,
  QueryRowInput,
  RecordedQuery,
  SnowflakeEmulator,
  UsageInCurrencyRowInput,
} from './types';

const REGION = 'AWS_US_WEST_2';

export async function startSnowflakeEmulator(options: EmulatorOptions = {}): Promise<SnowflakeEmulator> {
  const account = (options.account ?? 'EMU_ACCOUNT').toUpperCase();
  const org: OrgInfo = { organization: options.organization ?? 'EMU_ORG', region: REGION };
  const engine = await SqlEngine.create(account, org.organization, org.region);
  const auth = new AuthService(account);
  const queryService = new QueryService(engine);
  const faults = new FaultQueue();
  const stats: EmulatorStats = { logins: 0, renewals: 0, queryRequests: 0, failedByFault: 0 };
  const queries: RecordedQuery[] = [];
  const unhandledRequests: string[] = [];
  const server = await startServer({
    auth,
    queries: queryService,
    faults,
    stats,
    recorded: queries,
    unhandled: unhandledRequests,
  }).catch(async (err: unknown) => {
    await engine.close();
    throw err;
  });
  let closed: Promise<void> | undefined;
  return {
    url: server.url,
    account,
    faults,
    queries,
    stats,
    unhandledRequests,
    addUser: (user) => auth.addUser(user),
    sql: <T = Record<string, unknown>>(text: string, params?: unknown[]) => engine.sql<T>(text, params),
    loadMetering: (rows: Iterable<MeteringRowInput>, opts?: { accountUsageAccount?: string }) =>
      loadMeteringRows(engine, org, rows, opts?.accountUsageAccount ?? 'ACME_PROD'),
    loadUsageInCurrency: (rows: Iterable<UsageInCurrencyRowInput>) => loadUsageInCurrencyRows(engine, org, rows),
    loadQueries: (rows: Iterable<QueryRowInput>, opts?: { attribution?: boolean; accountUsageAccount?: string }) =>
      loadQueryRows(engine, rows, opts?.accountUsageAccount ?? 'ACME_PROD', opts?.attribution ?? true),
    denyView: (view) => queryService.denyView(view),
    close: () =>
      (closed ??= (async () => {
        try {
          await server.close();
        } finally {
          await engine.close();
        }
      })()),
  };
}
