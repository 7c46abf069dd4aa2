/** A real Temporal dev server per test file (the CLI found by global-setup), with snowpatrol's search attributes. */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../schemas/constants';

export function temporalCliPath(): string {
  const cli = process.env.SNOWPATROL_TEST_TEMPORAL_CLI;
  if (!cli) throw new Error('SNOWPATROL_TEST_TEMPORAL_CLI is unset: run the suite through jest (global-setup)');
  return cli;
}

let runtimeInstalled = false;

export function startTemporal(): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    // Expected failures (bad input, bad rows) are what these tests provoke; keep the worker's log to errors.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: Object.values(SEARCH_ATTRIBUTES),
      extraArgs: ['--log-level', 'error'],
    },
  });
}
