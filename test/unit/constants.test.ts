import { SEARCH_ATTRIBUTE_CLI_ARGS, workflowIdFor } from '../../schemas/constants';

describe('workflowIdFor', () => {
  it('gives the business id shared by scheduled, backfilled and ad-hoc runs of a date', () => {
    expect(workflowIdFor('pipeline', '2026-11-20')).toBe('snowpatrol-pipeline-2026-11-20');
    expect(workflowIdFor('ingest', '2026-11-20')).toBe('snowpatrol-ingest-2026-11-20');
  });
});

describe('SEARCH_ATTRIBUTE_CLI_ARGS', () => {
  it('lists the search attributes in the form `temporal --search-attribute` takes', () => {
    expect(SEARCH_ATTRIBUTE_CLI_ARGS).toEqual(
      expect.arrayContaining([
        'SnowpatrolAsOf=Keyword',
        'SnowpatrolAnomalyCount=Int',
        'SnowpatrolWarehouses=KeywordList',
      ]),
    );
    expect(SEARCH_ATTRIBUTE_CLI_ARGS).toContain('SnowpatrolStage=Keyword');
  });
});
