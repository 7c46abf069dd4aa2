/** Whether a metering source has published a UTC day completely: a pure judgement over what the source reported. */
import { addDays, dayToMs, isIsoDate } from '../schemas/dates';
import type { AccountReadiness } from './sources/metering-source';

export interface AccountReadinessVerdict {
  account: string;
  /** The latest END_TIME the source holds for the account (ISO), or null when it reported none. */
  latestEnd: string | null;
  /** latestEnd reaches the start of day + 1 (UTC). */
  complete: boolean;
}

export interface ReadinessJudgement {
  /** Every account complete, none expected but unreported, and at least one account reported. */
  complete: boolean;
  /** Every reported or expected account, sorted by name; expected ones the source did not report have latestEnd null. */
  accounts: AccountReadinessVerdict[];
  /** Accounts whose metering does not yet cover the day: reported but short of it, or expected and unreported. */
  missing: string[];
}

/**
 * Judge `day` from the source's per-account readiness. An account is complete when its latest END_TIME is at or
 * after midnight UTC that ends `day` (its last hour, 23:00–24:00, has been published). `expectedAccounts` (for
 * instance the accounts seen recently in the database) that the source did not report count as missing, so an
 * account whose data has stopped arriving holds the day back. With nothing reported the day is never complete.
 */
export function judgeReadiness(
  day: string,
  reported: readonly AccountReadiness[],
  expectedAccounts: readonly string[],
): ReadinessJudgement {
  if (!isIsoDate(day)) throw new RangeError(`not a day (YYYY-MM-DD): ${JSON.stringify(day)}`);
  const dayEnd = dayToMs(addDays(day, 1));
  // An account reported twice keeps its latest END_TIME.
  const latest = new Map<string, number | null>();
  for (const r of reported) {
    const end = r.latestEnd === null ? null : r.latestEnd.getTime();
    const known = latest.get(r.account);
    latest.set(r.account, known === undefined || known === null ? end : end === null ? known : Math.max(known, end));
  }
  const verdicts = [...latest].map(([account, end]): AccountReadinessVerdict => ({
    account,
    latestEnd: end === null ? null : new Date(end).toISOString(),
    complete: end !== null && end >= dayEnd,
  }));
  const unreported = [...new Set(expectedAccounts)]
    .filter((account) => !latest.has(account))
    .map((account): AccountReadinessVerdict => ({ account, latestEnd: null, complete: false }));
  const accounts = [...verdicts, ...unreported].sort((a, b) =>
    a.account < b.account ? -1 : a.account > b.account ? 1 : 0,
  );
  const missing = accounts.filter((a) => !a.complete).map((a) => a.account);
  return { complete: latest.size > 0 && missing.length === 0, accounts, missing };
}
