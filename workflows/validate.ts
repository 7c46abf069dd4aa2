/** Parse a workflow's input at the edge, failing fast and non-retryably with a message naming the bad field. */
import { ApplicationFailure } from '@temporalio/workflow';
import type { z } from 'zod';
import { INVALID_INPUT } from '../schemas/constants';

/** Validate `raw` (undefined/null mean `{}`); throws a non-retryable `InvalidInput` failure listing every problem. */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown, workflowType: string): z.output<S> {
  const result = schema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : undefined;
    if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    if (issue.code === 'invalid_type' && !field) return 'input must be a JSON object';
    return field ? `${field}: ${issue.message}` : issue.message;
  });
  throw ApplicationFailure.create({
    type: INVALID_INPUT,
    nonRetryable: true,
    message: `invalid ${workflowType} input: ${problems.join('; ')}`,
    details: [{ problems }],
  });
}
