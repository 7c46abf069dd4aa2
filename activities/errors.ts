/**
 * Domain errors. Each has an explicit `name` (it becomes the ApplicationFailure type Temporal records) and
 * context fields. Their names are listed in `NON_RETRYABLE_ERROR_TYPES` (schemas/constants) for retry policies.
 */

/** A source (CSV file, demo settings, Snowflake) cannot be read as configured. */
export class SourceError extends Error {
  override readonly name = 'SourceError';
  constructor(
    message: string,
    readonly source: string,
  ) {
    super(message);
  }
}

/** A row of source data is malformed; names the file and line. */
export class InvalidRowError extends Error {
  override readonly name = 'InvalidRowError';
  constructor(
    message: string,
    readonly source: string,
    readonly line: number,
  ) {
    super(`${source} line ${line}: ${message}`);
  }
}

/** Not enough data to do what was asked (e.g. train with too few days). */
export class InsufficientDataError extends Error {
  override readonly name = 'InsufficientDataError';
  constructor(
    message: string,
    readonly warehouse?: string,
  ) {
    super(message);
  }
}
