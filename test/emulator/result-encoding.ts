/**
 * Postgres results → Snowflake's JSON result format, which is all snowflake-sdk reads back
 * (connection/result/column.js): every value is a string or null, and `rowtype` names the Snowflake type.
 *   fixed         "123" / "1.500000000" (precision 38, scale from the values)
 *   real          "0.25"
 *   text          as is
 *   boolean       "1" / "0"
 *   date          days since 1970-01-01, e.g. "20513"
 *   time          seconds since midnight with 9 fractional digits
 *   timestamp_ltz seconds since the epoch with 9 fractional digits, e.g. "1772323200.000000000" (scale 9)
 *   timestamp_ntz the same, for timestamps without time zone (read as UTC)
 *   variant/array JSON text
 * Postgres runs with TimeZone UTC and DateStyle ISO, so the text forms parsed here are fixed.
 */

export interface RowType {
  name: string;
  database: string;
  schema: string;
  table: string;
  type: string;
  precision: number | null;
  scale: number | null;
  length: number | null;
  byteLength: number | null;
  nullable: boolean;
  collation: null;
}

export interface PgField {
  name: string;
  dataTypeID: number;
}

const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  jsonb: 3802,
} as const;

/** Types whose Postgres text form this module encodes itself: the engine must not parse them. */
export const RAW_TYPES: number[] = Object.values(OID);

type Kind =
  'fixed' | 'real' | 'text' | 'boolean' | 'date' | 'time' | 'timestamp_ltz' | 'timestamp_ntz' | 'variant' | 'binary';

function kindOf(oid: number): Kind {
  switch (oid) {
    case OID.int2:
    case OID.int4:
    case OID.int8:
    case OID.oid:
    case OID.numeric:
      return 'fixed';
    case OID.float4:
    case OID.float8:
      return 'real';
    case OID.bool:
      return 'boolean';
    case OID.date:
      return 'date';
    case OID.time:
      return 'time';
    case OID.timestamptz:
      return 'timestamp_ltz';
    case OID.timestamp:
      return 'timestamp_ntz';
    case OID.json:
    case OID.jsonb:
      return 'variant';
    case OID.bytea:
      return 'binary';
    default:
      return 'text';
  }
}

const NANOS = 1_000_000_000n;

/** BigInt nanoseconds → "seconds.nnnnnnnnn". */
function formatNanos(total: bigint): string {
  const negative = total < 0n;
  const abs = negative ? -total : total;
  return `${negative ? '-' : ''}${abs / NANOS}.${String(abs % NANOS).padStart(9, '0')}`;
}

function fractionNanos(fraction: string | undefined): bigint {
  return BigInt((fraction ?? '').padEnd(9, '0').slice(0, 9) || '0');
}

const DATE_RE = /^(\d{4,})-(\d\d)-(\d\d)( BC)?$/;
const TIMESTAMP_RE =
  /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/;

function utcSeconds(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): bigint {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return BigInt(date.getTime() / 1000);
}

/** Postgres `timestamptz` / `timestamp` text → Snowflake epoch-seconds text. */
export function encodeTimestamp(text: string): string {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) throw new Error(`unexpected timestamp text from Postgres: ${text}`);
  const year = m[12] ? 1 - Number(m[1]) : Number(m[1]);
  let seconds = utcSeconds(year, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (m[8]) {
    const offset = Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0);
    seconds -= BigInt(m[8] === '+' ? offset : -offset);
  }
  return formatNanos(seconds * NANOS + fractionNanos(m[7]));
}

/** Postgres `date` text → days since the epoch. */
export function encodeDate(text: string): string {
  const m = DATE_RE.exec(text);
  if (!m) throw new Error(`unexpected date text from Postgres: ${text}`);
  const year = m[4] ? 1 - Number(m[1]) : Number(m[1]);
  return String(utcSeconds(year, Number(m[2]), Number(m[3])) / 86_400n);
}

/** Postgres `time` text → seconds since midnight. */
export function encodeTime(text: string): string {
  const m = /^(\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`unexpected time text from Postgres: ${text}`);
  const seconds = BigInt(Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]));
  return formatNanos(seconds * NANOS + fractionNanos(m[4]));
}

function encodeValue(kind: Kind, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') return typeof value === 'object' ? JSON.stringify(value) : String(value);
  switch (kind) {
    case 'boolean':
      return value === 't' || value === 'true' ? '1' : '0';
    case 'date':
      return encodeDate(value);
    case 'time':
      return encodeTime(value);
    case 'timestamp_ltz':
    case 'timestamp_ntz':
      return encodeTimestamp(value);
    case 'binary':
      return value.startsWith('\\x') ? value.slice(2).toUpperCase() : value;
    default:
      return value;
  }
}

/** Snowflake upper-cases unquoted identifiers; Postgres lower-cases them. Quoted mixed-case names stay as they are. */
export function snowflakeColumnName(name: string): string {
  return name === name.toLowerCase() ? name.toUpperCase() : name;
}

function fractionalDigits(value: string | null): number {
  if (value === null) return -1;
  const dot = value.indexOf('.');
  return dot < 0 ? 0 : value.length - dot - 1;
}

/** Default scale of a NUMERIC column whose result has no value to read it from (the usage views use 9). */
const DEFAULT_NUMERIC_SCALE = 9;

export function encodeResult(
  fields: PgField[],
  rows: unknown[][],
): { rowtype: RowType[]; rowset: (string | null)[][] } {
  const kinds = fields.map((f) => kindOf(f.dataTypeID));
  const rowset = rows.map((row) => row.map((value, i) => encodeValue(kinds[i], value)));
  const rowtype = fields.map((field, i): RowType => {
    const kind = kinds[i];
    const base = { name: snowflakeColumnName(field.name), database: '', schema: '', table: '', nullable: true };
    const empty = { precision: null, scale: null, length: null, byteLength: null, collation: null } as const;
    if (kind === 'fixed') {
      let scale = 0;
      if (field.dataTypeID === OID.numeric) {
        scale = rowset.reduce((max, r) => Math.max(max, fractionalDigits(r[i])), -1);
        if (scale < 0) scale = DEFAULT_NUMERIC_SCALE;
      }
      return { ...base, ...empty, type: 'fixed', precision: 38, scale };
    }
    if (kind === 'timestamp_ltz' || kind === 'timestamp_ntz' || kind === 'time') {
      return { ...base, ...empty, type: kind, precision: 0, scale: 9 };
    }
    if (kind === 'text' || kind === 'variant' || kind === 'binary') {
      return { ...base, ...empty, type: kind, length: 16_777_216, byteLength: 16_777_216 };
    }
    return { ...base, ...empty, type: kind };
  });
  return { rowtype, rowset };
}

/** The statement-level parameters Snowflake returns with every result; the driver formats values with them. */
export const RESULT_PARAMETERS = [
  { name: 'TIMEZONE', value: 'UTC' },
  { name: 'TIMESTAMP_OUTPUT_FORMAT', value: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM' },
  { name: 'TIMESTAMP_NTZ_OUTPUT_FORMAT', value: 'YYYY-MM-DD HH24:MI:SS.FF3' },
  { name: 'TIMESTAMP_LTZ_OUTPUT_FORMAT', value: '' },
  { name: 'TIMESTAMP_TZ_OUTPUT_FORMAT', value: '' },
  { name: 'DATE_OUTPUT_FORMAT', value: 'YYYY-MM-DD' },
  { name: 'TIME_OUTPUT_FORMAT', value: 'HH24:MI:SS' },
  { name: 'BINARY_OUTPUT_FORMAT', value: 'HEX' },
  { name: 'CLIENT_RESULT_CHUNK_SIZE', value: 160 },
];
