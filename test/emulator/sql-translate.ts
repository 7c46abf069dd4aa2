/**
 * Snowflake SQL → Postgres SQL, just enough for the statements snowpatrol and its tests send:
 *  - the `SNOWFLAKE.` database qualifier is dropped (the views live in schemas organization_usage / account_usage);
 *  - positional binds `?` (and Snowflake's numbered `:1`) become `$1 …`;
 *  - DATE_PART(EPOCH_SECOND, x) and DATE_PART(EPOCH_MILLISECOND, x) call the engine's epoch_second(x) and
 *    epoch_millisecond(x);
 * all outside string literals, quoted identifiers and comments. Everything else is passed through unchanged.
 */

export interface TranslatedSql {
  /** The statement for Postgres. */
  text: string;
  /** The statement with literals and comments blanked out: for spotting which objects it names. */
  code: string;
  /** How many `$n` the statement uses (the highest n). */
  placeholders: number;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_$]/;

/** Index just past a string literal opened at `start` ('…' with '' or backslash escapes, as Snowflake reads it). */
function endOfString(sql: string, start: number): number {
  let i = start + 1;
  while (i < sql.length) {
    const ch = sql[i];
    if (ch === '\\') i += 2;
    else if (ch === "'" && sql[i + 1] === "'") i += 2;
    else if (ch === "'") return i + 1;
    else i++;
  }
  return sql.length;
}

function endOfQuotedIdentifier(sql: string, start: number): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === '"' && sql[i + 1] === '"') i += 2;
    else if (sql[i] === '"') return i + 1;
    else i++;
  }
  return sql.length;
}

/** Index of the next non-space character at or after `i`. */
function skipSpace(sql: string, i: number): number {
  while (i < sql.length && /\s/.test(sql[i])) i++;
  return i;
}

/** Snowflake functions with no Postgres spelling: DATE_PART(EPOCH_SECOND | EPOCH_MILLISECOND, x) → epoch_…(x). */
function snowflakeFunctions(text: string): string {
  return text
    .replace(/\bDATE_PART\s*\(\s*EPOCH_SECOND\s*,/gi, 'epoch_second(')
    .replace(/\bDATE_PART\s*\(\s*EPOCH_MILLISECOND\s*,/gi, 'epoch_millisecond(');
}

export function translateSql(sql: string): TranslatedSql {
  let text = '';
  let code = '';
  let positional = 0;
  let highest = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    const next = sql[i + 1];
    if (ch === "'") {
      const end = endOfString(sql, i);
      text += sql.slice(i, end);
      code += "''";
      i = end;
    } else if (ch === '$' && next === '$') {
      const close = sql.indexOf('$$', i + 2);
      const end = close < 0 ? sql.length : close + 2;
      text += sql.slice(i, end);
      code += "''";
      i = end;
    } else if ((ch === '-' && next === '-') || (ch === '/' && next === '/')) {
      const eol = sql.indexOf('\n', i);
      const end = eol < 0 ? sql.length : eol;
      if (ch === '-') text += sql.slice(i, end);
      i = end;
    } else if (ch === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      const end = close < 0 ? sql.length : close + 2;
      text += sql.slice(i, end);
      code += ' ';
      i = end;
    } else if (ch === '"' || IDENT_START.test(ch)) {
      const end = ch === '"' ? endOfQuotedIdentifier(sql, i) : wordEnd(sql, i);
      const word = sql.slice(i, end);
      const name = ch === '"' ? word.slice(1, -1) : word.toUpperCase();
      const dot = skipSpace(sql, end);
      if (name === 'SNOWFLAKE' && sql[dot] === '.' && !precededByDot(sql, i)) {
        i = skipSpace(sql, dot + 1); // drop the database qualifier and its dot
        continue;
      }
      text += word;
      code += word;
      i = end;
    } else if (ch === '?') {
      positional++;
      highest = Math.max(highest, positional);
      text += `$${positional}`;
      code += '?';
      i++;
    } else if (ch === ':' && next !== undefined && /[0-9]/.test(next) && sql[i - 1] !== ':') {
      let end = i + 1;
      while (end < sql.length && /[0-9]/.test(sql[end])) end++;
      const n = Number(sql.slice(i + 1, end));
      highest = Math.max(highest, n);
      text += `$${n}`;
      code += '?';
      i = end;
    } else {
      text += ch;
      code += ch;
      i++;
    }
  }
  return { text: snowflakeFunctions(text), code, placeholders: highest };
}

function wordEnd(sql: string, start: number): number {
  let end = start + 1;
  while (end < sql.length && IDENT_PART.test(sql[end])) end++;
  return end;
}

/** True when the word at `i` is itself qualified (`x.SNOWFLAKE.y` keeps its SNOWFLAKE). */
function precededByDot(sql: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && /\s/.test(sql[j])) j--;
  return j >= 0 && sql[j] === '.';
}

/** `SNOWFLAKE.ORGANIZATION_USAGE.X`, `organization_usage.x` or `X` → the upper-case parts without the database. */
export function viewParts(view: string): string[] {
  const parts = view
    .split('.')
    .map((p) => p.trim().replace(/^"|"$/g, '').toUpperCase())
    .filter((p) => p !== '');
  return parts.length > 1 && parts[0] === 'SNOWFLAKE' ? parts.slice(1) : parts;
}

/** True when the statement (its `code`, after translation) names the view given by `parts`. */
export function namesView(code: string, parts: string[]): boolean {
  const chain = parts.map((p) => `"?${p.replace(/[$]/g, '\\$')}"?`).join('\\s*\\.\\s*');
  return new RegExp(`(^|[^A-Za-z0-9_$"])${chain}($|[^A-Za-z0-9_$"])`, 'i').test(code);
}

/** Session statements Postgres has no equivalent for; Snowflake answers them with a status row. */
export function isSessionStatement(sql: string): boolean {
  return /^\s*(alter\s+session|use\s+(warehouse|role|database|schema|secondary\s+roles)|use\s+\w)/i.test(sql);
}
