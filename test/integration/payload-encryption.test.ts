/**
 * Payload encryption end to end, as an operator turns it on: `snowpatrol worker` and `snowpatrol run` with
 * SNOWPATROL_PAYLOAD_KEY run the whole pipeline on a real dev server; what the server stores — read back by a
 * client that has no key — holds no plaintext in any payload, and every payload names its key id. `snowpatrol
 * replay` replays the runs with the key (after a rotation, too) and fails, naming the key id, without it. The codec
 * server gives the Web UI the same decryption over HTTP, with CORS for the UI's origin only, and refuses to start
 * without a key; `snowpatrol dev-server --ui-codec-endpoint` points the UI at it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startCodecServer, type RunningCodecServer } from '../../client/codec-server';
import { temporalDataConverter } from '../../client/temporal-target';
import { loadConfig } from '../../schemas/config';
import { WORKFLOW_TYPES, workflowIdFor } from '../../schemas/constants';
import type { PipelineResult } from '../../schemas/results';
import { EncryptionCodec, isEncrypted, keyIdOf } from '../../worker/payload-codec';
import { tempDir } from '../fixtures/temp-dir';
import { freePort, isolatedEnv, runCli, startNodeCli, type CapturedProcess } from '../helpers/cli';
import {
  exportHistories,
  isSearchAttribute,
  payloadText,
  payloadsIn,
  type ExportedRun,
} from '../helpers/history-export';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { startTemporal, temporalCliPath } from '../helpers/temporal';

const AS_OF = '2026-03-31';
const KEY_1 = crypto.randomBytes(32).toString('base64');
const KEY_2 = crypto.randomBytes(32).toString('base64');
const WITH_KEY_1 = { SNOWPATROL_PAYLOAD_KEY: KEY_1, SNOWPATROL_PAYLOAD_KEY_ID: 'test-key-1' };
/** After a rotation: new payloads under key 2, payloads of key 1 still readable. */
const ROTATED = {
  SNOWPATROL_PAYLOAD_KEY: KEY_2,
  SNOWPATROL_PAYLOAD_KEY_ID: 'test-key-2',
  SNOWPATROL_PAYLOAD_OLD_KEYS: `test-key-1:${KEY_1}`,
};
const UI_ORIGIN = 'http://localhost:8233';

let env: TestWorkflowEnvironment;
let testDb: TestDatabase;
let home: string;
let worker: CapturedProcess | undefined;
let runs: ExportedRun[];
let result: PipelineResult;

const cliEnv = (extra: Record<string, string> = {}) =>
  isolatedEnv({ SNOWPATROL_HOME: home, TEMPORAL_ADDRESS: env.address, DATABASE_URL: testDb.url, ...extra });

async function eventually(probe: () => boolean, what: string, output: () => string, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  env = await startTemporal();
  testDb = await createTestDatabase();
  home = tempDir();
  worker = startNodeCli(['worker'], cliEnv(WITH_KEY_1));
  await eventually(
    () => worker!.output().includes('Ctrl-C drains and stops'),
    'the worker has started',
    () => worker!.output(),
  );
});

afterAll(async () => {
  worker?.kill('SIGKILL');
  await worker?.exited;
  await testDb?.drop();
  await env?.teardown();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('a pipeline run with payload encryption on', () => {
  beforeAll(async () => {
    const run = await runCli(
      [
        'run',
        '--no-worker',
        '--as-of',
        AS_OF,
        '--source',
        'demo',
        '--history-days',
        '60',
        '--score-days',
        '7',
        '--json',
      ],
      cliEnv(WITH_KEY_1),
    );
    if (run.code !== 0) throw new Error(`snowpatrol run failed (${run.code}):\n${run.stderr}\n${worker?.output()}`);
    result = (JSON.parse(run.stdout) as { result: PipelineResult }).result;
    runs = await exportHistories(env.client);
  });

  test('completes, and a client with the key reads its result back', async () => {
    expect(result.ingest).toMatchObject({ to: AS_OF, days: 60, warehouses: 6 });
    expect(result.train.models).toHaveLength(6);
    // The pipeline and each of its stages ran here.
    expect(new Set(runs.map((r) => r.type))).toEqual(
      new Set([
        WORKFLOW_TYPES.pipeline,
        WORKFLOW_TYPES.ingest,
        WORKFLOW_TYPES.features,
        WORKFLOW_TYPES.train,
        WORKFLOW_TYPES.score,
        WORKFLOW_TYPES.attribute,
        WORKFLOW_TYPES.notify,
      ]),
    );
    const config = loadConfig(cliEnv(WITH_KEY_1));
    const withKey = new Client({
      connection: env.connection,
      namespace: env.namespace ?? 'default',
      dataConverter: temporalDataConverter(config.temporal),
    });
    const handle = withKey.workflow.getHandle(workflowIdFor('pipeline', AS_OF));
    expect(await handle.result()).toEqual(result);
    // The run's summary (shown by the Web UI) is a payload too: encrypted, and readable with the key.
    expect(await (await handle.describe()).staticSummary()).toEqual(expect.stringContaining(AS_OF));
  });

  test('the stored histories hold no plaintext payload: each is AES-256-GCM with the key id in its metadata', async () => {
    const found = runs.flatMap((run) => payloadsIn(run.history).map((p) => ({ ...p, run: run.workflowId })));
    // The SDK writes patch markers (which code changes a run has seen: a change id) itself, past the codec.
    const patchMarkers = found.filter((p) => /markerRecordedEventAttributes\.details\.patch-data\./.test(p.path));
    const encoded = found.filter((p) => !isSearchAttribute(p) && !patchMarkers.includes(p));
    // Inputs, results, activity inputs and results, heartbeats, summaries, memos: many payloads, none in the clear.
    expect(encoded.length).toBeGreaterThan(50);
    const notEncrypted = encoded.filter((p) => !isEncrypted(p.payload)).map((p) => `${p.run} ${p.path}`);
    expect(notEncrypted).toEqual([]);
    expect(new Set(encoded.map((p) => keyIdOf(p.payload)))).toEqual(new Set(['test-key-1']));
    const readable = encoded
      .filter((p) => /2026-03-\d\d|ACME_PROD|ETL_WH|json\/plain|"asOf"/.test(payloadText(p.payload)))
      .map((p) => `${p.run} ${p.path}`);
    expect(readable).toEqual([]);
    expect(patchMarkers.map((p) => payloadText(p.payload)).join('\n')).not.toMatch(/2026-|ACME|_WH/);

    // The check has teeth: decrypted with the key, the same payloads are the run's dates and warehouses.
    const codec = new EncryptionCodec(loadConfig(cliEnv(WITH_KEY_1)).temporal.payloadEncryption);
    const plain = (await codec.decode(encoded.map((p) => p.payload))).map(payloadText).join('\n');
    expect(plain).toContain(`"asOf":"${AS_OF}"`);
    expect(plain).toContain('ACME_PROD');
    // Search attributes are the only payloads in the clear: the server indexes them (README, Security).
    expect(found.filter(isSearchAttribute).length).toBeGreaterThan(0);
  });

  test('the worker logged neither the key nor a payload it could not read', () => {
    expect(worker!.output()).toContain('AES-256-GCM with key test-key-1');
    expect(worker!.output()).not.toContain(KEY_1);
    expect(worker!.output()).not.toMatch(/cannot decrypt/);
  });

  test('snowpatrol replay replays every run with the key, after a rotation too', async () => {
    const replay = await runCli(['replay', '--query', "ExecutionStatus='Completed'", '--json'], cliEnv(ROTATED));
    expect([replay.code, replay.stderr]).toEqual([0, expect.any(String)]);
    const lines = JSON.parse(replay.stdout) as { workflowId: string; ok: boolean }[];
    expect(lines).toHaveLength(runs.length);
    expect(lines.every((l) => l.ok)).toBe(true);
  });

  test('without the key, replay fails and names the key id it needs', async () => {
    const replay = await runCli(
      ['replay', '--workflow-id', workflowIdFor('pipeline', AS_OF)],
      cliEnv({ SNOWPATROL_PAYLOAD_KEY: KEY_2, SNOWPATROL_PAYLOAD_KEY_ID: 'test-key-2' }),
    );
    expect(replay.code).toBe(1);
    expect(replay.stdout).toMatch(/✗ snowpatrol-pipeline-2026-03-31 — .*key "test-key-1"/);
    expect(replay.stdout).toContain('the keys configured here are "test-key-2"');
    const noKey = await runCli(['replay', '--workflow-id', workflowIdFor('pipeline', AS_OF)], cliEnv());
    expect(noKey.code).toBe(1);
    expect(noKey.stdout).toMatch(/key "test-key-1": payload encryption is not configured here/);
  });
});

describe('codec server', () => {
  let server: RunningCodecServer;
  beforeAll(async () => {
    server = await startCodecServer({
      codec: new EncryptionCodec(loadConfig(cliEnv(ROTATED)).temporal.payloadEncryption),
      port: 0,
      host: '127.0.0.1',
      origins: [UI_ORIGIN],
    });
  });
  afterAll(() => server?.stop());

  const toJson = (payloads: Payload[]) => ({
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(p.data ?? []).toString('base64'),
    })),
  });
  const fromJson = (json: unknown): Payload[] =>
    (json as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
      data: Buffer.from(p.data, 'base64'),
    }));
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin: UI_ORIGIN, ...headers },
      body: JSON.stringify(body),
    });

  test("decodes the pipeline's stored input for the Web UI, and round-trips encode → decode", async () => {
    const started = runs.find((r) => r.type === WORKFLOW_TYPES.pipeline)!.history.events![0];
    const stored = started.workflowExecutionStartedEventAttributes!.input!.payloads!;
    const decoded = await post('/decode', toJson(stored));
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    const input = fromJson(await decoded.json()).map((p) => defaultPayloadConverter.fromPayload(p));
    expect(input).toEqual([expect.objectContaining({ asOf: AS_OF, source: 'demo', historyDays: 60 })]);

    const value = { warehouse: 'ACME_PROD.ETL_WH', note: 'from the Web UI' };
    const encoded = await post('/encode', toJson([defaultPayloadConverter.toPayload(value)]));
    expect(encoded.status).toBe(200);
    const sealed = fromJson(await encoded.json());
    expect(keyIdOf(sealed[0])).toBe('test-key-2');
    expect(payloadText(sealed[0])).not.toContain('ACME_PROD');
    // The CLI templates the namespace into the path (`--codec-endpoint http://…/{namespace}`).
    const back = await post('/default/decode', toJson(sealed));
    expect(fromJson(await back.json()).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([value]);
  });

  test("answers the UI's CORS preflight for its origin (and its loopback twin) only", async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-namespace',
        },
      });
    for (const origin of [UI_ORIGIN, 'http://127.0.0.1:8233']) {
      const ok = await preflight(origin);
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe(origin);
      expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
      expect(ok.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/i);
      expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    }
    const other = await preflight('http://evil.example');
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const stolen = await post('/decode', toJson([]), { origin: 'http://evil.example' });
    expect(stolen.status).toBe(403);
  });

  test('says what is wrong with a request, and which key a payload needs', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/decode`)).status).toBe(405);
    expect((await post('/nope', {})).status).toBe(404);
    const bad = await post('/decode', { payloads: [{ metadata: { encoding: 'not base64!' } }] });
    expect([bad.status, await bad.text()]).toEqual([400, 'payloads[0].metadata.encoding must be a base64 string']);
    const unknownKey = await new EncryptionCodec({
      current: { id: 'someone-elses', key: crypto.randomBytes(32) },
      keys: [],
    }).encode([defaultPayloadConverter.toPayload('x')]);
    const refused = await post('/decode', toJson(unknownKey));
    expect(refused.status).toBe(422);
    expect(await refused.text()).toMatch(/^cannot decrypt a payload encrypted with key "someone-elses"/);
  });

  test('snowpatrol codec-server refuses to start without a key, and serves with one', async () => {
    const refused = await runCli(['codec-server', '--port', '0'], cliEnv());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'snowpatrol: codec-server needs the payload key the workers use: set SNOWPATROL_PAYLOAD_KEY or SNOWPATROL_PAYLOAD_KEY_FILE',
    );
    const port = await freePort();
    const cli = startNodeCli(['codec-server', '--port', String(port), '--origin', UI_ORIGIN], cliEnv(WITH_KEY_1));
    try {
      await eventually(() => cli.output().includes('Ctrl-C stops it'), 'the codec server has started', cli.output);
      expect(cli.output()).toContain(`snowpatrol codec-server on http://127.0.0.1:${port}`);
      const sealed = await new EncryptionCodec(loadConfig(cliEnv(WITH_KEY_1)).temporal.payloadEncryption).encode([
        defaultPayloadConverter.toPayload({ asOf: AS_OF }),
      ]);
      const response = await fetch(`http://127.0.0.1:${port}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: UI_ORIGIN },
        body: JSON.stringify(toJson(sealed)),
      });
      expect(response.status).toBe(200);
      expect(fromJson(await response.json()).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
        { asOf: AS_OF },
      ]);
    } finally {
      cli.kill('SIGTERM');
    }
    expect(await cli.exited).toBe(0);
    expect(cli.output()).not.toContain(KEY_1);
  });
});

test('snowpatrol dev-server --ui-codec-endpoint points the Web UI at the codec server', async () => {
  const [port, uiPort] = [await freePort(), await freePort()];
  const endpoint = 'http://localhost:8888';
  const cli = startNodeCli(
    ['dev-server', '--ui-codec-endpoint', endpoint],
    cliEnv({
      TEMPORAL_CLI_PATH: temporalCliPath(),
      SNOWPATROL_DEV_SERVER_PORT: String(port),
      SNOWPATROL_DEV_SERVER_UI_PORT: String(uiPort),
    }),
  );
  try {
    await eventually(() => cli.output().includes('Ctrl-C to stop'), 'the dev server has started', cli.output);
    expect(cli.output()).toContain(`payloads decoded by ${endpoint}`);
    let settings: unknown;
    const deadline = Date.now() + 60_000;
    while (settings === undefined && Date.now() < deadline) {
      settings = await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`)
        .then((r) => (r.ok ? r.json() : undefined))
        .catch(() => undefined);
      if (settings === undefined) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(settings).toMatchObject({ Codec: { Endpoint: endpoint } });
  } finally {
    cli.kill('SIGTERM');
  }
  expect(await cli.exited).toBe(0);
});
