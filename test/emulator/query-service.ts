/**
 * POST /queries/v1/query-request: translate the statement, run it on the engine, and answer in Snowflake's
 * JSON result format (or with Snowflake's error for the Postgres error). Results are kept by query id for
 * GET /queries/{id}/result.
 */
import { randomUUID } from 'node:crypto';
import type { Session } from './auth';
import { encodeResult, RESULT_PARAMETERS, type RowType } from './result-encoding';
import { ok, queryFailure, type SnowflakeBody } from './responses';
import { objectNotAuthorized, type SnowflakeSqlError, toSnowflakeError } from './sql-errors';
import type { SqlEngine } from './sql-engine';
import { isSessionStatement, namesView, translateSql, viewParts } from './sql-translate';

/** The `bindings` map the driver sends: {"1": {type: 'TEXT', value: '…'}, …}, values already strings. */
export type Bindings = Record<string, { type?: string; value?: unknown }>;

export interface QueryRequestBody {
  sqlText?: unknown;
  bindings?: Bindings;
  parameters?: Record<string, unknown>;
}

const STATEMENT_TYPE = { SELECT: 0x1000, INSERT: 0x3100, UPDATE: 0x3200, DELETE: 0x3300, MERGE: 0x3400, DDL: 0x6000 };
const KEPT_RESULTS = 50;

/** Binds in order, as the strings the driver sent (null for NULL). */
export function wireBinds(bindings: Bindings | undefined): (string | null)[] {
  if (!bindings) return [];
  return Object.keys(bindings)
    .sort((a, b) => Number(a) - Number(b))
    .map((key) => {
      const value = bindings[key]?.value;
      if (value === null || value === undefined) return null;
      return typeof value === 'string' ? value : JSON.stringify(value);
    });
}

/** Binds in order as plain values: FIXED/REAL → number, BOOLEAN → boolean, VARIANT → parsed JSON, else string. */
export function plainBinds(bindings: Bindings | undefined): unknown[] {
  if (!bindings) return [];
  const wire = wireBinds(bindings);
  const types = Object.keys(bindings)
    .sort((a, b) => Number(a) - Number(b))
    .map((key) => String(bindings[key]?.type ?? 'TEXT').toUpperCase());
  return wire.map((value, i) => {
    if (value === null) return null;
    switch (types[i]) {
      case 'FIXED':
      case 'REAL':
        return Number(value);
      case 'BOOLEAN':
        return value === 'true' || value === '1';
      case 'VARIANT':
        try {
          return JSON.parse(value) as unknown;
        } catch {
          return value;
        }
      default:
        return value;
    }
  });
}

function statementTypeOf(command: string | undefined): number {
  switch ((command ?? '').toUpperCase()) {
    case 'SELECT':
    case 'VALUES':
    case 'SHOW':
      return STATEMENT_TYPE.SELECT;
    case 'INSERT':
    case 'COPY':
      return STATEMENT_TYPE.INSERT;
    case 'UPDATE':
      return STATEMENT_TYPE.UPDATE;
    case 'DELETE':
      return STATEMENT_TYPE.DELETE;
    case 'MERGE':
      return STATEMENT_TYPE.MERGE;
    default:
      return STATEMENT_TYPE.DDL;
  }
}

const fixedColumn = (name: string): RowType => ({
  name,
  database: '',
  schema: '',
  table: '',
  type: 'fixed',
  precision: 19,
  scale: 0,
  length: null,
  byteLength: null,
  nullable: false,
  collation: null,
});

const textColumn = (name: string): RowType => ({
  ...fixedColumn(name),
  type: 'text',
  precision: null,
  scale: null,
  length: 16_777_216,
  byteLength: 16_777_216,
});

export class QueryService {
  private readonly denied: string[][] = [];
  private readonly results = new Map<string, SnowflakeBody>();

  constructor(private readonly engine: SqlEngine) {}

  /** Deny a view; an empty name lifts every denial. */
  denyView(view: string): void {
    const parts = viewParts(view);
    if (parts.length === 0) this.denied.length = 0;
    else this.denied.push(parts);
  }

  result(queryId: string): SnowflakeBody | undefined {
    return this.results.get(queryId);
  }

  async execute(body: QueryRequestBody, session: Session): Promise<SnowflakeBody> {
    const queryId = randomUUID();
    const sqlText = typeof body.sqlText === 'string' ? body.sqlText : '';
    const binds = wireBinds(body.bindings);
    const fail = (e: SnowflakeSqlError) => queryFailure(e.code, e.sqlState, e.message, queryId);
    let answer: SnowflakeBody;
    if (isSessionStatement(sqlText)) {
      answer = this.success(
        queryId,
        session,
        binds.length,
        STATEMENT_TYPE.DDL,
        [textColumn('status')],
        [['Statement executed successfully.']],
      );
    } else {
      const translated = translateSql(sqlText);
      const denied = this.denied.find((parts) => namesView(translated.code, parts));
      if (denied) {
        answer = fail(objectNotAuthorized(['SNOWFLAKE', ...denied].join('.')));
      } else if (binds.length < translated.placeholders) {
        answer = fail({
          code: '002049',
          sqlState: '42601',
          message: 'SQL compilation error: Bind variable ? not set.',
        });
      } else {
        answer = await this.run(translated.text, binds.slice(0, translated.placeholders), queryId, session).catch(
          (err: unknown) => fail(toSnowflakeError(err)),
        );
      }
    }
    this.keep(queryId, answer);
    return answer;
  }

  private async run(text: string, binds: (string | null)[], queryId: string, session: Session): Promise<SnowflakeBody> {
    const raw = await this.engine.run(text, binds);
    const type = statementTypeOf(raw.command);
    if (raw.fields.length > 0) {
      const { rowtype, rowset } = encodeResult(raw.fields, raw.rows);
      return this.success(queryId, session, binds.length, type, rowtype, rowset);
    }
    if (type >= 0x3000 && type < 0x4000) {
      const verbs: Record<number, string> = {
        [STATEMENT_TYPE.INSERT]: 'inserted',
        [STATEMENT_TYPE.UPDATE]: 'updated',
        [STATEMENT_TYPE.DELETE]: 'deleted',
      };
      const verb = verbs[type] ?? 'merged';
      return this.success(
        queryId,
        session,
        binds.length,
        type,
        [fixedColumn(`number of rows ${verb}`)],
        [[String(raw.affectedRows)]],
      );
    }
    return this.success(
      queryId,
      session,
      binds.length,
      type,
      [textColumn('status')],
      [['Statement executed successfully.']],
    );
  }

  private success(
    queryId: string,
    session: Session,
    numberOfBinds: number,
    statementTypeId: number,
    rowtype: RowType[],
    rowset: (string | null)[][],
  ): SnowflakeBody {
    return ok({
      parameters: RESULT_PARAMETERS,
      rowtype,
      rowset,
      total: rowset.length,
      returned: rowset.length,
      queryId,
      databaseProvider: null,
      finalDatabaseName: session.databaseName,
      finalSchemaName: session.schemaName,
      finalWarehouseName: session.warehouseName,
      finalRoleName: session.roleName,
      numberOfBinds,
      arrayBindSupported: false,
      statementTypeId,
      version: 1,
      sendResultTime: Date.now(),
      queryResultFormat: 'json',
    });
  }

  private keep(queryId: string, answer: SnowflakeBody): void {
    this.results.set(queryId, answer);
    if (this.results.size > KEPT_RESULTS) {
      const oldest = this.results.keys().next().value;
      if (oldest !== undefined) this.results.delete(oldest);
    }
  }
}
