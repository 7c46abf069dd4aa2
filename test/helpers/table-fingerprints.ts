/**
 * What a database holds, table by table, to prove an operation wrote nothing: every table of the public schema (so a
 * table added later is covered without a list to update), its row count and a digest of every row — an update that
 * leaves the count alone still changes the digest.
 */
import type postgres from 'postgres';

export async function tableFingerprints(sql: postgres.Sql): Promise<Record<string, string>> {
  const tables = await sql<{ name: string }[]>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`;
  const prints: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await sql<{ n: number; digest: string | null }[]>`
      select count(*)::int as n, md5(string_agg(t::text, '|' order by t::text)) as digest from ${sql(name)} t`;
    prints[name] = `${row.n} rows ${row.digest ?? '-'}`;
  }
  return prints;
}
