import { judgeReadiness } from '../../activities/readiness';
import type { AccountReadiness } from '../../activities/sources/metering-source';

const DAY = '2026-11-20';
const at = (iso: string) => new Date(iso);
const report = (account: string, latestEnd: string | null): AccountReadiness => ({
  account,
  latestEnd: latestEnd === null ? null : at(latestEnd),
});

describe('judgeReadiness', () => {
  it('call a day complete when every account reaches midnight UTC that ends it', () => {
    const verdict = judgeReadiness(
      DAY,
      [report('PROD', '2026-11-21T00:00:00Z'), report('DEV', '2026-11-21T05:00:00Z')],
      ['DEV', 'PROD'],
    );
    expect(verdict).toEqual({
      complete: true,
      accounts: [
        { account: 'DEV', latestEnd: '2026-11-21T05:00:00.000Z', complete: true },
        { account: 'PROD', latestEnd: '2026-11-21T00:00:00.000Z', complete: true },
      ],
      missing: [],
    });
  });

  it('hold the day back for an account published only part-way through it', () => {
    const verdict = judgeReadiness(
      DAY,
      [report('PROD', '2026-11-21T00:00:00Z'), report('DEV', '2026-11-20T18:00:00Z')],
      [],
    );
    expect(verdict.complete).toBe(false);
    expect(verdict.missing).toEqual(['DEV']);
    expect(verdict.accounts[0]).toEqual({ account: 'DEV', latestEnd: '2026-11-20T18:00:00.000Z', complete: false });
  });

  it('treat one millisecond short of midnight as incomplete', () => {
    expect(judgeReadiness(DAY, [report('PROD', '2026-11-20T23:59:59.999Z')], []).complete).toBe(false);
  });

  it('count expected accounts the source did not report as missing, with no latestEnd', () => {
    const verdict = judgeReadiness(DAY, [report('PROD', '2026-11-21T01:00:00Z')], ['PROD', 'OLD', 'OLD']);
    expect(verdict.complete).toBe(false);
    expect(verdict.missing).toEqual(['OLD']);
    expect(verdict.accounts).toEqual([
      { account: 'OLD', latestEnd: null, complete: false },
      { account: 'PROD', latestEnd: '2026-11-21T01:00:00.000Z', complete: true },
    ]);
  });

  it('never call a day complete when nothing was reported', () => {
    expect(judgeReadiness(DAY, [], [])).toEqual({ complete: false, accounts: [], missing: [] });
    expect(judgeReadiness(DAY, [], ['PROD'])).toMatchObject({ complete: false, missing: ['PROD'] });
  });

  it('treat an account reported without any row as incomplete', () => {
    expect(judgeReadiness(DAY, [report('PROD', null)], [])).toEqual({
      complete: false,
      accounts: [{ account: 'PROD', latestEnd: null, complete: false }],
      missing: ['PROD'],
    });
  });

  it('keep the latest END_TIME of an account reported twice', () => {
    const verdict = judgeReadiness(
      DAY,
      [report('PROD', '2026-11-20T10:00:00Z'), report('PROD', null), report('PROD', '2026-11-21T02:00:00Z')],
      [],
    );
    expect(verdict.accounts).toEqual([{ account: 'PROD', latestEnd: '2026-11-21T02:00:00.000Z', complete: true }]);
    expect(verdict.complete).toBe(true);
  });

  it('reject a day that is not YYYY-MM-DD', () => {
    expect(() => judgeReadiness('2026-11-31', [], [])).toThrow(RangeError);
  });
});
