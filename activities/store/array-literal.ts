/**
 * Postgres array literals (`{"a","b"}`), so a whole column of a batch travels as one bound parameter that
 * `unnest($1::text[], …)` expands — one statement per batch instead of thousands of parameters. Works the same
 * through postgres.js and PGlite.
 */

/** Quote one element: backslashes and double quotes escaped; null as the unquoted NULL. */
function element(value: string | null): string {
  return value === null ? 'NULL' : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function arrayLiteral(values: readonly (string | number | null)[]): string {
  return `{${values.map((v) => element(v === null ? null : String(v))).join(',')}}`;
}

/** A literal of finite numbers, which need no quoting (`{1,2.5,-3e-7}`); anything else is refused. */
export function numberArrayLiteral(values: readonly number[]): string {
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`);
  return `{${values.join(',')}}`;
}
