/** Opens a metering source from its spec string. */
import path from 'node:path';
import { SourceError } from '../errors';
import { createCsvSource } from './csv-source';
import { createDemoSource } from './demo-source';
import type { MeteringSource } from './metering-source';

export type { HourlyMeteringRow, MeteringSource } from './metering-source';

export interface SourceOptions {
  demoSeed: number;
  /** Relative CSV paths resolve against this directory. */
  cwd: string;
}

/** `demo` → the synthetic organisation; `csv:<path>` → a WAREHOUSE_METERING_HISTORY export. */
export function openSource(spec: string, options: SourceOptions): MeteringSource {
  if (spec === 'demo') return createDemoSource(options.demoSeed);
  if (spec.startsWith('csv:') && spec.length > 4) return createCsvSource(path.resolve(options.cwd, spec.slice(4)));
  throw new SourceError(`unknown source "${spec}": expected "demo" or "csv:<path>"`, spec);
}
