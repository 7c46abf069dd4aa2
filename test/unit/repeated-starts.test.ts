import { RepeatedStarts } from '../../activities/sources/repeated-starts';

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);

test('a start on the hour repeats only for the same warehouse', () => {
  const seen = new RepeatedStarts();
  expect(seen.repeats('A\u00001', at('2026-03-01T07:00:00Z'))).toBe(false);
  expect(seen.repeats('A\u00002', at('2026-03-01T07:00:00Z'))).toBe(false);
  expect(seen.repeats('A\u00001', at('2026-03-01T08:00:00Z'))).toBe(false);
  expect(seen.repeats('A\u00001', at('2026-03-01T07:00:00Z'))).toBe(true);
  expect(seen.repeats('A\u00002', at('2026-03-01T07:00:00Z'))).toBe(true);
});

test('hours years apart, before 1970 and at block edges are told apart', () => {
  const seen = new RepeatedStarts();
  const hours = [-4097, -4096, -1, 0, 1, 4095, 4096, 4097, 491_000, 491_000 + 17_520];
  for (const h of hours) expect(seen.repeats('W', h * HOUR)).toBe(false);
  for (const h of hours) expect(seen.repeats('W', h * HOUR)).toBe(true);
  expect(seen.repeats('W', 2 * HOUR)).toBe(false);
});

test('a start off the hour is compared exactly, never with the hour it falls in', () => {
  const seen = new RepeatedStarts();
  const seven = at('2026-03-01T07:00:00Z');
  expect(seen.repeats('W', seven)).toBe(false);
  expect(seen.repeats('W', seven + 1)).toBe(false);
  expect(seen.repeats('W', seven + 30 * 60_000)).toBe(false);
  expect(seen.repeats('W', seven + 1)).toBe(true);
  expect(seen.repeats('W', seven + 30 * 60_000)).toBe(true);
});

test('two years of 1,000 warehouses stay small', () => {
  const seen = new RepeatedStarts();
  const before = process.memoryUsage().heapUsed;
  const first = 491_000;
  for (let w = 0; w < 1000; w++) {
    const warehouse = `ACME\u0000${w}`;
    for (let h = 0; h < 730 * 24; h++) seen.repeats(warehouse, (first + h) * HOUR);
  }
  const grown = process.memoryUsage().heapUsed - before;
  expect(seen.repeats('ACME\u0000999', (first + 100) * HOUR)).toBe(true);
  // 17.5 M rows: a bit each is ~2.2 MB (plus block maps); one map entry per row would be several hundred MB.
  expect(grown).toBeLessThan(64 * 2 ** 20);
});
