/**
 * The pipeline's bookkeeping against the real Postgres: which days a run should catch up on (days no run
 * covered since the last one, days that went ahead without all accounts' data), bounded by `catchUpDays`.
 */
import { markFinished, markRescored, markRunning, planCatchUp } from '../../activities/store/pipeline-day-store';
import { openDatabase, type Database } from '../../activities/store/database';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';

let testDb: TestDatabase;
let database: Database;

beforeEach(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.url });
});

afterEach(async () => {
  await database?.close();
  await testDb?.drop();
});

/** Runs recorded for these days, each finished with the given status. */
async function ran(days: Record<string, 'complete' | 'partial'>): Promise<void> {
  for (const [day, status] of Object.entries(days)) {
    await markRunning(database.db, day, `snowpatrol-pipeline-${day}`);
    await markFinished(database.db, day, status, status === 'partial' ? ['ACME_DEV'] : []);
  }
}

test('a first ever run has nothing to catch up on', async () => {
  expect(await planCatchUp(database.db, '2026-11-20', 7)).toEqual({ missedDays: 0, partialDays: [] });
});

test('a run the day after the last one has nothing to catch up on', async () => {
  await ran({ '2026-11-18': 'complete', '2026-11-19': 'complete' });
  expect(await planCatchUp(database.db, '2026-11-20', 7)).toEqual({ missedDays: 0, partialDays: [] });
});

test('days after the last run are caught up, at most catchUpDays back', async () => {
  await ran({ '2026-11-16': 'complete' });
  expect(await planCatchUp(database.db, '2026-11-20', 7)).toEqual({
    from: '2026-11-17',
    missedDays: 3,
    partialDays: [],
  });
  await ran({ '2026-10-01': 'complete' });
  await database.db.execute("delete from pipeline_days where as_of = '2026-11-16'");
  expect(await planCatchUp(database.db, '2026-11-20', 7)).toEqual({
    from: '2026-11-13',
    missedDays: 7,
    partialDays: [],
  });
});

test('partial days in the window are re-scored; older ones and catchUpDays 0 are left alone', async () => {
  await ran({ '2026-11-01': 'partial', '2026-11-17': 'partial', '2026-11-18': 'complete', '2026-11-19': 'complete' });
  expect(await planCatchUp(database.db, '2026-11-20', 7)).toEqual({
    from: '2026-11-17',
    missedDays: 0,
    partialDays: ['2026-11-17'],
  });
  expect(await planCatchUp(database.db, '2026-11-20', 0)).toEqual({ missedDays: 0, partialDays: [] });
});

test('re-scoring with complete data marks the partial days in range complete, and only those', async () => {
  await ran({ '2026-11-01': 'partial', '2026-11-17': 'partial', '2026-11-18': 'complete' });
  expect(await markRescored(database.db, '2026-11-10', '2026-11-20')).toEqual(['2026-11-17']);
  expect(await planCatchUp(database.db, '2026-11-19', 30)).toEqual({
    from: '2026-11-01',
    missedDays: 0,
    partialDays: ['2026-11-01'],
  });
});
