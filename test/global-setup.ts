/**
 * Runs once before the suite: makes sure the Temporal CLI is available (building it with `go install` the first
 * time on a machine without it, as `npm run demo` would) and hands its path to the test files.
 */
import path from 'node:path';
import { resolveTemporalCli } from '../client/temporal-cli';

export default async function globalSetup(): Promise<void> {
  const cli = await resolveTemporalCli({
    explicitPath: process.env.TEMPORAL_CLI_PATH,
    home: path.resolve(__dirname, '../.snowpatrol'),
    log: (line) => process.stderr.write(`${line}\n`),
    // Tests send nothing beyond loopback: no attempt at the SDK's download from temporal.download.
    skipDownload: true,
  });
  process.env.SNOWPATROL_TEST_TEMPORAL_CLI = cli;
}
