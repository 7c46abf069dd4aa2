/** Opens a metering source from its spec string. */
import path from 'node:path';
import type { SnowflakeSettings } from '../../schemas/snowflake-config';
import { SourceError } from '../errors';
import { createCsvSource } from './csv-source';
import { createDemoSource } from './demo-source';
import type { MeteringSource } from './metering-source';
import { connectSnowflake, type ConnectSnowflake } from './snowflake/session';
import { createSnowflakeSource } from './snowflake/snowflake-source';

export type { CreditPrice, HourlyMeteringRow, MeteringSource } from './metering-source';

export interface SourceOptions {
  demoSeed: number;
  /** Relative CSV paths resolve against this directory. */
  cwd: string;
  /** Connection settings for `snowflake`. */
  snowflake?: SnowflakeSettings;
  /** QUERY_TAG for statements run on behalf of this activity. */
  queryTag?: string;
  /** Injected for tests; the real driver otherwise. */
  connectSnowflake?: ConnectSnowflake;
  warn?: (message: string) => void;
}

/** `snowflake`, `demo` (the synthetic organisation) or `csv:<path>` (a WAREHOUSE_METERING_HISTORY export). */
export function openSource(spec: string, options: SourceOptions): MeteringSource {
  if (spec === 'demo') return createDemoSource(options.demoSeed);
  if (spec.startsWith('csv:') && spec.length > 4) return createCsvSource(path.resolve(options.cwd, spec.slice(4)));
  if (spec === 'snowflake') {
    if (!options.snowflake) {
      throw new SourceError(
        'source "snowflake" needs SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER and SNOWFLAKE_PRIVATE_KEY_PATH (or SNOWFLAKE_PASSWORD) on the worker',
        spec,
      );
    }
    return createSnowflakeSource({
      settings: options.snowflake,
      connect: options.connectSnowflake ?? connectSnowflake,
      queryTag: options.queryTag ?? JSON.stringify({ app: 'snowpatrol' }),
      warn: options.warn,
    });
  }
  throw new SourceError(`unknown source "${spec}": expected "snowflake", "demo" or "csv:<path>"`, spec);
}
