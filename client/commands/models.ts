/**
 * `snowpatrol models list|show|promote|rollback`: model versions are immutable; promote and roll back only move
 * the `champion` alias (every move is logged in model_alias_events with who and why).
 */
import {
  aliasHistory,
  aliasTarget,
  findVersion,
  listModels,
  previousChampion,
  setAlias,
  type ModelVersion,
} from '../../activities/store/model-store';
import type { Config } from '../../schemas/config';
import { withDatabase } from '../app';
import { printResult } from '../options';
import { modelsTable } from '../report';
import type { Database } from '../../activities/store/database';

export async function modelsListCommand(config: Config, opts: { warehouse?: string; json: boolean }): Promise<void> {
  await withDatabase(config, async (db) => {
    const rows = (await listModels(db)).filter((m) => !opts.warehouse || m.warehouse === opts.warehouse);
    // A filter that matches nothing is a typo more often than not: say so instead of printing an empty list.
    if (opts.warehouse && rows.length === 0) {
      throw new Error(
        `no model for warehouse ${opts.warehouse} (names look like ACCOUNT.WAREHOUSE; see \`snowpatrol models list\`)`,
      );
    }
    printResult(opts.json, rows, () => modelsTable(rows));
  });
}

/** Everything recorded about one version, without the artifact bytes. */
function describeVersion(m: ModelVersion, aliases: string[]) {
  const { artifact, ...rest } = m;
  return { ...rest, artifactBytes: Buffer.byteLength(artifact), aliases };
}

async function requireVersion(db: Database['db'], warehouse: string, version?: number): Promise<ModelVersion> {
  const model =
    version === undefined ? await aliasTarget(db, warehouse, 'champion') : await findVersion(db, warehouse, version);
  const fallback = version === undefined && !model ? await aliasTarget(db, warehouse, 'latest') : undefined;
  const found = model ?? fallback;
  if (!found) {
    throw new Error(
      version === undefined
        ? `no model for warehouse ${warehouse} (names look like ACCOUNT.WAREHOUSE; see \`snowpatrol models list\`)`
        : `warehouse ${warehouse} has no model version ${version} (see \`snowpatrol models list --warehouse ${warehouse}\`)`,
    );
  }
  return found;
}

export async function modelsShowCommand(
  config: Config,
  opts: { warehouse: string; version?: number; json: boolean },
): Promise<void> {
  await withDatabase(config, async (db) => {
    const model = await requireVersion(db, opts.warehouse, opts.version);
    const aliases = (await listModels(db)).find((m) => m.id === model.id)?.aliases ?? [];
    const history = (await aliasHistory(db, opts.warehouse)).filter(
      (e) => e.toModelVersionId === model.id || e.fromModelVersionId === model.id,
    );
    const shown = { ...describeVersion(model, aliases), aliasHistory: history };
    printResult(opts.json, shown, () =>
      [
        `${model.warehouse} v${model.version} (id ${model.id})${aliases.length ? ` — ${aliases.join(', ')}` : ''}`,
        `algorithm        ${model.algorithm}`,
        `trained on       ${model.trainedFrom} → ${model.trainedTo} (features ${model.featureVersion})`,
        `seed             ${model.seed}`,
        `params           ${JSON.stringify(model.params)}`,
        `threshold        ${model.threshold}`,
        `metrics          ${JSON.stringify(model.metrics)}`,
        `promotion gate   ${model.promotion ? JSON.stringify(model.promotion) : 'not gated'}`,
        `data fingerprint ${model.dataFingerprint}`,
        `artifact sha256  ${model.artifactSha256} (${shown.artifactBytes} bytes)`,
        `lineage          workflow ${model.workflowId ?? '-'} run ${model.runId ?? '-'}`,
        `created          ${model.createdAt.toISOString()}`,
        ...history.map(
          (e) =>
            `alias            ${e.at.toISOString()} ${e.alias} ${e.fromModelVersionId ?? '-'} → ${e.toModelVersionId} (${e.reason} by ${e.actor})`,
        ),
      ].join('\n'),
    );
  });
}

const actor = () => `cli:${process.env.USER ?? process.env.USERNAME ?? 'unknown'}`;

export async function modelsPromoteCommand(
  config: Config,
  opts: { warehouse: string; version: number; json: boolean },
): Promise<void> {
  await withDatabase(config, async (db) => {
    const model = await requireVersion(db, opts.warehouse, opts.version);
    const before = await aliasTarget(db, opts.warehouse, 'champion');
    const moved = await setAlias(db, opts.warehouse, 'champion', model.id, { reason: 'promote', actor: actor() });
    const result = { warehouse: opts.warehouse, champion: model.version, previous: before?.version ?? null, moved };
    printResult(opts.json, result, () =>
      moved
        ? `${opts.warehouse}: champion v${before?.version ?? '-'} → v${model.version}`
        : `${opts.warehouse}: v${model.version} is already the champion`,
    );
  });
}

export async function modelsRollbackCommand(config: Config, opts: { warehouse: string; json: boolean }): Promise<void> {
  await withDatabase(config, async (db) => {
    const current = await aliasTarget(db, opts.warehouse, 'champion');
    const previous = await previousChampion(db, opts.warehouse);
    if (!current || !previous) {
      throw new Error(`${opts.warehouse} has no earlier champion to roll back to (see \`snowpatrol models show\`)`);
    }
    await setAlias(db, opts.warehouse, 'champion', previous.id, { reason: 'rollback', actor: actor() });
    const result = { warehouse: opts.warehouse, champion: previous.version, previous: current.version };
    printResult(
      opts.json,
      result,
      () => `${opts.warehouse}: champion v${current.version} → v${previous.version} (rolled back)`,
    );
  });
}
