/**
 * `npm run bundle:workflows -- [out]`: bundle the workflow code once, at build time, into a file (default
 * `dist/workflow-bundle.js`). A worker started with SNOWPATROL_WORKFLOW_BUNDLE=<that file> runs it instead of
 * bundling at start; the container image does this.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflows } from './bundle';

export const DEFAULT_BUNDLE_FILE = 'dist/workflow-bundle.js';

export interface BuiltBundle {
  /** Absolute path of the file written. */
  file: string;
  bytes: number;
}

/** Bundle the workflows and write the code to `out` (its directory is created); a reader never sees half a file. */
export async function buildWorkflowBundle(out: string = DEFAULT_BUNDLE_FILE): Promise<BuiltBundle> {
  const file = path.resolve(out);
  const { code } = await bundleWorkflows();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(partial, code);
  fs.renameSync(partial, file);
  return { file, bytes: Buffer.byteLength(code) };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length > 1 || args[0]?.startsWith('-')) {
    process.stderr.write('usage: npm run bundle:workflows -- [out.js]  (default dist/workflow-bundle.js)\n');
    process.exitCode = 2;
    return;
  }
  const started = Date.now();
  try {
    const { file, bytes } = await buildWorkflowBundle(args[0]);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `workflow bundle: ${file} (${(bytes / 1024).toFixed(0)} KiB, ${seconds} s); ` +
        `run workers with SNOWPATROL_WORKFLOW_BUNDLE=${file}\n`,
    );
  } catch (err) {
    process.stderr.write(`bundle:workflows: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
