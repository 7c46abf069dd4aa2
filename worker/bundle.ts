/**
 * The workflow code a worker (or a replay) runs. By default it is bundled once per process at start (≈1–1.5 s) and
 * every worker in the process reuses it. The container image bundles it at build time instead
 * (`npm run bundle:workflows`) and names the file in SNOWPATROL_WORKFLOW_BUNDLE: workers start without webpack,
 * and the code that replay tests gated is the code that runs. A bundle file is used only when that variable names
 * it, never picked up from disk on its own, so a stale build cannot run by accident.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  bundleWorkflowCode,
  type WorkflowBundleOption,
  type WorkflowBundlePath,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';

/** The variable naming a prebuilt bundle file (set by the container image). */
export const WORKFLOW_BUNDLE_ENV = 'SNOWPATROL_WORKFLOW_BUNDLE';

export const WORKFLOWS_PATH = require.resolve('../workflows');

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundle the workflow code now, with the options both start-time and build-time bundling use. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
}

/**
 * The prebuilt bundle SNOWPATROL_WORKFLOW_BUNDLE names (checked to exist), else the workflow code bundled once per
 * process.
 */
export function workflowBundle(env: NodeJS.ProcessEnv = process.env): Promise<WorkflowBundleOption> {
  const file = env[WORKFLOW_BUNDLE_ENV]?.trim();
  if (file) return Promise.resolve().then(() => prebuiltBundle(file, WORKFLOW_BUNDLE_ENV));
  bundle ??= bundleWorkflows();
  return bundle;
}

/** A bundle file written by `npm run bundle:workflows`; throws naming the file (and `setting`) when unusable. */
export function prebuiltBundle(file: string, setting = 'workflow bundle'): WorkflowBundlePath {
  const codePath = path.resolve(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(codePath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      `${setting}: ${codePath} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`}; ` +
        `build it with \`npm run bundle:workflows -- ${file}\`, or unset ${WORKFLOW_BUNDLE_ENV} to bundle at start`,
    );
  }
  if (!stat.isFile() || stat.size === 0) {
    throw new Error(`${setting}: ${codePath} is not a workflow bundle (${stat.isFile() ? 'empty' : 'not a file'})`);
  }
  return { codePath };
}

const noop = () => undefined;
/** The bundler logs every build at INFO; keep only warnings and errors. */
const quietBundlerLogger = {
  log: noop,
  trace: noop,
  debug: noop,
  info: noop,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
