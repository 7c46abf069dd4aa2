/**
 * Bulk loading through Postgres COPY … FROM '/dev/blob' (PGlite reads the CSV from a Blob, in the engine's worker): rows are turned
 * into CSV text in batches and each batch is one COPY, which keeps loads well above 50,000 rows/s.
 */
import type { SqlEngine } from './sql-engine';
import type { MeteringRowInput, QueryRowInput, UsageInCurrencyRowInput } from './types';

const BATCH_ROWS = 50_000;

/** Organisation-level attributes every ORGANIZATION_USAGE row carries. */
export interface OrgInfo {
  organization: string;
  region: string;
}

function csvText(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

function csvNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`cannot load a non-finite number: ${value}`);
  return String(value);
}

/** A stable, Snowflake-looking account locator (two letters, five digits) for an account name. */
export function accountLocator(account: string): string {
  let h = 2166136261;
  for (let i = 0; i < account.length; i++) h = Math.imul(h ^ account.charCodeAt(i), 16777619) >>> 0;
  const letters = String.fromCharCode(65 + (h % 26), 65 + ((h >>> 5) % 26));
  return `${letters}${String(h % 100_000).padStart(5, '0')}`;
}

async function copy(db: SqlEngine, table: string, columns: string, lines: string[]): Promise<void> {
  if (lines.length > 0) await db.copyCsv(table, columns, lines.join(''));
}

/**
 * Runs batch loads one after another while the caller prepares the next batch (the engine works in its own
 * thread, so building CSV here overlaps with COPY there). `drain` waits for the last and re-throws any failure.
 */
class Pipeline {
  private last: Promise<void> = Promise.resolve();
  private failure: unknown;

  async push(load: () => Promise<void>): Promise<void> {
    await this.last;
    this.check();
    this.last = load().catch((err: unknown) => {
      this.failure ??= err;
    });
  }

  async drain(): Promise<void> {
    await this.last;
    this.check();
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

const ORG_METERING = 'organization_usage.warehouse_metering_history';
const ORG_METERING_COLUMNS =
  'organization_name, account_name, account_locator, region, start_time, end_time, warehouse_id, warehouse_name, ' +
  'credits_used, credits_used_compute, credits_used_cloud_services';
const ACCOUNT_METERING = 'account_usage.warehouse_metering_history';
const ACCOUNT_METERING_COLUMNS =
  'start_time, end_time, warehouse_id, warehouse_name, credits_used, credits_used_compute, credits_used_cloud_services';

/** Load metering rows into both views; returns how many rows went into ORGANIZATION_USAGE. */
export async function loadMeteringRows(
  db: SqlEngine,
  org: OrgInfo,
  rows: Iterable<MeteringRowInput>,
  accountUsageAccount: string,
): Promise<number> {
  const orgPrefix = new Map<string, string>();
  const prefixFor = (account: string) => {
    let prefix = orgPrefix.get(account);
    if (prefix === undefined) {
      prefix = [org.organization, account, accountLocator(account), org.region].map(csvText).join(',') + ',';
      orgPrefix.set(account, prefix);
    }
    return prefix;
  };
  const accountKey = accountUsageAccount.toUpperCase();
  let orgLines: string[] = [];
  let accountLines: string[] = [];
  let total = 0;
  const pipeline = new Pipeline();
  const flush = async () => {
    const [org, account] = [orgLines, accountLines];
    orgLines = [];
    accountLines = [];
    await pipeline.push(async () => {
      await copy(db, ORG_METERING, ORG_METERING_COLUMNS, org);
      await copy(db, ACCOUNT_METERING, ACCOUNT_METERING_COLUMNS, account);
    });
  };
  for (const row of rows) {
    const shared =
      `${row.startTime.toISOString()},${row.endTime.toISOString()},${csvNumber(row.warehouseId)},` +
      `${csvText(row.warehouseName)},${csvNumber(row.creditsUsed)},${csvNumber(row.creditsUsedCompute)},` +
      `${csvNumber(row.creditsUsedCloudServices)}\n`;
    orgLines.push(prefixFor(row.account) + shared);
    if (row.account.toUpperCase() === accountKey) accountLines.push(shared);
    total++;
    if (orgLines.length >= BATCH_ROWS) await flush();
  }
  await flush();
  await pipeline.drain();
  return total;
}

const USAGE_IN_CURRENCY = 'organization_usage.usage_in_currency_daily';
const USAGE_IN_CURRENCY_COLUMNS =
  'organization_name, account_name, account_locator, region, usage_date, usage_type, currency, usage, ' +
  'usage_in_currency, balance_source';

export async function loadUsageInCurrencyRows(
  db: SqlEngine,
  org: OrgInfo,
  rows: Iterable<UsageInCurrencyRowInput>,
): Promise<number> {
  let lines: string[] = [];
  let total = 0;
  for (const row of rows) {
    lines.push(
      [
        org.organization,
        row.account,
        accountLocator(row.account),
        org.region,
        row.usageDate,
        row.usageType,
        row.currency,
      ]
        .map(csvText)
        .join(',') + `,${csvNumber(row.usage)},${csvNumber(row.usageInCurrency)},"capacity"\n`,
    );
    total++;
    if (lines.length >= BATCH_ROWS) {
      await copy(db, USAGE_IN_CURRENCY, USAGE_IN_CURRENCY_COLUMNS, lines);
      lines = [];
    }
  }
  await copy(db, USAGE_IN_CURRENCY, USAGE_IN_CURRENCY_COLUMNS, lines);
  return total;
}

const QUERY_HISTORY = 'account_usage.query_history';
const QUERY_HISTORY_COLUMNS =
  'query_id, query_text, query_tag, user_name, role_name, warehouse_id, warehouse_name, warehouse_size, ' +
  'query_parameterized_hash, start_time, end_time, execution_time, compilation_time, queued_overload_time, ' +
  'total_elapsed_time, execution_status';
const QUERY_ATTRIBUTION = 'account_usage.query_attribution_history';
const QUERY_ATTRIBUTION_COLUMNS =
  'query_id, parent_query_id, root_query_id, warehouse_id, warehouse_name, query_hash, query_parameterized_hash, ' +
  'query_tag, user_name, start_time, end_time, credits_attributed_compute, credits_used_query_acceleration';

/** A small deterministic number from a query id, for the columns a record does not carry (compile time …). */
function idNumber(queryId: string, modulo: number): number {
  let h = 2166136261;
  for (let i = 0; i < queryId.length; i++) h = Math.imul(h ^ queryId.charCodeAt(i), 16777619) >>> 0;
  return h % modulo;
}

/**
 * Load query records of `account` into ACCOUNT_USAGE.QUERY_HISTORY (all of them) and, with `attribution`,
 * QUERY_ATTRIBUTION_HISTORY (those with credits). QUERY_HISTORY's END_TIME − EXECUTION_TIME is the record's
 * execution start; compilation happens before it, so START_TIME is earlier still. Returns the rows in QUERY_HISTORY.
 */
export async function loadQueryRows(
  db: SqlEngine,
  rows: Iterable<QueryRowInput>,
  account: string,
  attribution: boolean,
): Promise<number> {
  const accountKey = account.toUpperCase();
  let history: string[] = [];
  let attributed: string[] = [];
  let total = 0;
  const pipeline = new Pipeline();
  const flush = async () => {
    const [h, a] = [history, attributed];
    history = [];
    attributed = [];
    await pipeline.push(async () => {
      await copy(db, QUERY_HISTORY, QUERY_HISTORY_COLUMNS, h);
      await copy(db, QUERY_ATTRIBUTION, QUERY_ATTRIBUTION_COLUMNS, a);
    });
  };
  for (const q of rows) {
    if (q.account.toUpperCase() !== accountKey) continue;
    const execStart = q.executionStart.getTime();
    const execEnd = q.executionEnd.getTime();
    const executionMs = execEnd - execStart;
    const compileMs = 20 + idNumber(q.queryId, 480);
    const start = new Date(execStart - compileMs).toISOString();
    const end = q.executionEnd.toISOString();
    const tag = csvText(q.queryTag);
    history.push(
      `${csvText(q.queryId)},${csvText(`SELECT /* ${q.queryHash} */ 1`)},${tag},${csvText(q.userName)},` +
        `${csvText(q.roleName)},${csvNumber(q.warehouseId)},${csvText(q.warehouseName)},` +
        `${q.warehouseSize === undefined ? '' : csvText(q.warehouseSize)},${csvText(q.queryHash)},${start},${end},` +
        `${csvNumber(executionMs)},${compileMs},0,${csvNumber(executionMs + compileMs)},"SUCCESS"\n`,
    );
    if (attribution && q.credits !== undefined) {
      attributed.push(
        `${csvText(q.queryId)},,,${csvNumber(q.warehouseId)},${csvText(q.warehouseName)},` +
          `${csvText(q.queryId.replace(/-/g, ''))},${csvText(q.queryHash)},${tag},${csvText(q.userName)},` +
          `${q.executionStart.toISOString()},${end},${csvNumber(q.credits)},\n`,
      );
    }
    total++;
    if (history.length >= BATCH_ROWS) await flush();
  }
  await flush();
  await pipeline.drain();
  return total;
}
