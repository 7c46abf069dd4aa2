/** `credit_prices`: what a credit cost an account on a day, for turning excess credits into money. */
import { and, desc, eq, lte, sql } from 'drizzle-orm';
import { creditPrices } from '../../schemas/tables';
import type { CreditPrice } from '../sources';
import type { Db } from './database';

export async function upsertCreditPrices(db: Db, prices: readonly CreditPrice[], source: string): Promise<number> {
  if (prices.length === 0) return 0;
  const written = await db
    .insert(creditPrices)
    .values(prices.map((p) => ({ ...p, source })))
    .onConflictDoUpdate({
      target: [creditPrices.account, creditPrices.usageDate],
      set: {
        currency: sql`excluded.currency`,
        pricePerCredit: sql`excluded.price_per_credit`,
        source: sql`excluded.source`,
      },
    })
    .returning({ account: creditPrices.account });
  return written.length;
}

/** The account's price on `day`, or on the latest earlier day with a price (billing data lags metering). */
export async function priceOn(
  db: Db,
  account: string,
  day: string,
): Promise<{ currency: string; pricePerCredit: number } | undefined> {
  const [row] = await db
    .select({ currency: creditPrices.currency, pricePerCredit: creditPrices.pricePerCredit })
    .from(creditPrices)
    .where(and(eq(creditPrices.account, account), lte(creditPrices.usageDate, day)))
    .orderBy(desc(creditPrices.usageDate))
    .limit(1);
  return row;
}
