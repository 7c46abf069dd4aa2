/**
 * The deployment files say what the code does. The compose stack is well-formed and safe by default (pinned
 * images, ports on localhost only, health checks and restart policies, dependencies that exist, the worker's
 * drain fits in its stop timeout); .env.example documents exactly the settings the code reads, with their real
 * defaults; the Dockerfile builds with CI's own checks, ships every file and package the CLI loads, and runs it
 * under tini as a non-root user with the prebuilt workflow bundle; the Slack app answers compose's health check.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { msToNumber } from '@temporalio/common/lib/time';
import { parse } from 'yaml';
import { EVENTS_PATH, HEALTH_PATH, startSlackApp } from '../../client/slack/bolt-app';
import { loadConfig, type Config } from '../../schemas/config';
import { DEFAULT_BUNDLE_FILE } from '../../worker/build-bundle';
import { WORKFLOW_BUNDLE_ENV } from '../../worker/bundle';
import { SHUTDOWN_GRACE_TIME } from '../../worker/create-worker';
import { tempDir } from '../fixtures/temp-dir';
import {
  composeDurationMs,
  dockerIgnores,
  envOf,
  execForm,
  interpolate,
  loadedCode,
  parseDockerfile,
  parseEnvFile,
  runCommands,
  type Stage,
} from '../helpers/deploy-files';
import { startSlackFake } from '../slack-fake';

const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  build?: string | { context: string };
  env_file?: string | (string | { path: string })[];
  environment?: Record<string, string>;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  restart?: string;
  profiles?: string[];
  stop_grace_period?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const COMPOSE_FILE = 'docker-compose.temporal.yml';
const compose = parse(read(COMPOSE_FILE), { merge: true }) as Compose;
const services = Object.entries(compose.services);
/** Jobs that run once and exit; everything else runs until stopped. */
const ONE_SHOT = ['temporal-search-attributes', 'schedules'];
const SNOWPATROL_SERVICES = ['worker', 'schedules', 'slack'];

const stages = parseDockerfile(read('Dockerfile'));
const build = stages.find((s) => s.name === 'build')!;
const runtime = stages[stages.length - 1];
const instructions = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

const envExample = parseEnvFile(read('.env.example'));
const documentedKeys = envExample.documented.map(([key]) => key);

/** An empty working directory for loadConfig (no snowpatrol.config.json, relative paths resolve here). */
let cwd: string;
beforeAll(() => (cwd = tempDir()));
afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

/** A child process's exit code and output, without blocking this process (it may be the server being probed). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(command === 'node' ? process.execPath : command, args, { cwd: ROOT, env });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe(`${COMPOSE_FILE}`, () => {
  test('long-running services restart and have a health check; one-shot jobs run once', () => {
    for (const [name, service] of services) {
      if (ONE_SHOT.includes(name)) {
        expect([name, service.restart]).toEqual([name, 'no']);
        continue;
      }
      expect([name, service.restart]).toEqual([name, 'unless-stopped']);
      const check = service.healthcheck;
      expect([name, check?.disable !== true && (check?.test ?? []).length > 1]).toEqual([name, true]);
    }
  });

  test('every published port is bound to 127.0.0.1', () => {
    const ports = services.flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p]));
    expect(ports.length).toBeGreaterThan(0);
    for (const [name, port] of ports)
      expect([name, port]).toEqual([name, expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/)]);
  });

  test('named volumes are declared, dependencies exist and wait for health or completion', () => {
    for (const [name, service] of services) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (!source.startsWith('.') && !source.startsWith('/'))
          expect([name, source in (compose.volumes ?? {})]).toEqual([name, true]);
      }
      for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect([name, target, target in compose.services]).toEqual([name, target, true]);
        const expected = ONE_SHOT.includes(target) ? 'service_completed_successfully' : 'service_healthy';
        expect([name, target, condition]).toEqual([name, target, expected]);
      }
    }
    // The worker starts only once the search attributes its workflows set exist.
    expect(compose.services.worker.depends_on).toMatchObject({
      postgres: { condition: 'service_healthy' },
      temporal: { condition: 'service_healthy' },
      'temporal-search-attributes': { condition: 'service_completed_successfully' },
    });
  });

  test('images are pinned to a version (never latest); snowpatrol services build this checkout into one image', () => {
    for (const [name, service] of services) {
      if (service.build !== undefined) continue;
      expect([name, service.image]).toEqual([name, expect.stringMatching(/^[\w./-]+:(?!latest$)[\w.-]*\d[\w.-]*$/)]);
    }
    for (const name of SNOWPATROL_SERVICES) {
      const service = compose.services[name];
      expect([name, service.build, service.image, service.env_file]).toEqual([name, '.', 'snowpatrol:local', '.env']);
    }
  });

  test('snowpatrol services reach Temporal and the database compose-init.sql creates, whatever .env says', () => {
    const sql = read('schemas/compose-init.sql');
    const [, user, password] = /CREATE USER (\w+) WITH PASSWORD '([^']+)'/i.exec(sql)!;
    const [, database, owner] = /CREATE DATABASE (\w+) OWNER (\w+)/i.exec(sql)!;
    expect(owner).toBe(user);
    const postgresPort = compose.services.postgres.ports![0].split(':')[2];
    for (const name of SNOWPATROL_SERVICES) {
      expect([name, compose.services[name].environment]).toEqual([
        name,
        expect.objectContaining({
          TEMPORAL_ADDRESS: `temporal:${compose.services.temporal.ports![0].split(':')[2]}`,
          DATABASE_URL: `postgres://${user}:${password}@postgres:${postgresPort}/${database}`,
        }),
      ]);
      // With nothing in .env, the service's settings are valid as compose interpolates them.
      const env = Object.fromEntries(
        Object.entries(compose.services[name].environment!).map(([k, v]) => [k, interpolate(String(v), {})]),
      );
      expect(() => loadConfig(env, cwd)).not.toThrow();
    }
  });

  test("the worker's stop timeout outlasts its drain, and its health check is the image's metrics probe", () => {
    const worker = compose.services.worker;
    expect(composeDurationMs(worker.stop_grace_period!)).toBeGreaterThan(msToNumber(SHUTDOWN_GRACE_TIME));
    expect(worker.healthcheck!.test).toEqual(['CMD', ...execForm(instructions(runtime, 'HEALTHCHECK')[0].args)]);
    const metricsPort = worker.environment!.SNOWPATROL_METRICS_PORT;
    expect(worker.ports).toEqual([`127.0.0.1:${metricsPort}:${metricsPort}`]);
  });

  test('`docker compose up` needs no Slack credentials: the Slack app is behind the "slack" profile', () => {
    const byDefault = services.filter(([, s]) => s.profiles === undefined).map(([name]) => name);
    expect(byDefault).not.toContain('slack');
    expect(byDefault).toEqual(expect.arrayContaining(['postgres', 'temporal', 'worker', 'schedules']));
    const slack = compose.services.slack;
    expect(slack.profiles).toEqual(['slack']);
    expect(slack.command).toEqual(['slack']);
    expect(slack.ports).toEqual([`127.0.0.1:${slack.environment!.SLACK_PORT}:${slack.environment!.SLACK_PORT}`]);
    expect(slack.healthcheck!.test!.join(' ')).toContain(HEALTH_PATH);
  });

  test('the image runs each command compose gives it (`node --import tsx client/main.ts <command> --help`)', async () => {
    const entrypoint = execForm(instructions(runtime, 'ENTRYPOINT')[0].args);
    const [, , node, ...nodeArgs] = entrypoint; // past tini and its "--"
    expect(node).toBe('node');
    const commands = SNOWPATROL_SERVICES.map((name) => compose.services[name].command!);
    const results = await Promise.all(commands.map((command) => run(node, [...nodeArgs, ...command, '--help'])));
    for (const [i, { code, output }] of results.entries()) {
      expect([commands[i], code]).toEqual([commands[i], 0]);
      expect(output).toContain(`Usage: snowpatrol ${commands[i].join(' ')}`);
    }
  });

  const composeCli = findCompose();
  (composeCli ? test : test.skip)(
    `docker compose config -q accepts it with .env from .env.example, as is and with every line uncommented` +
      (composeCli ? '' : ' (SKIPPED: no docker compose binary on this machine)'),
    async () => {
      for (const envText of [read('.env.example'), read('.env.example').replace(/^# ?([A-Z][A-Z0-9_]*=)/gm, '$1')]) {
        const dir = tempDir();
        try {
          fs.copyFileSync(path.join(ROOT, COMPOSE_FILE), path.join(dir, COMPOSE_FILE));
          fs.mkdirSync(path.join(dir, 'schemas'));
          fs.copyFileSync(path.join(ROOT, 'schemas/compose-init.sql'), path.join(dir, 'schemas/compose-init.sql'));
          fs.writeFileSync(path.join(dir, '.env'), envText);
          const base = [...composeCli!.slice(1), '--project-directory', dir, '-f', path.join(dir, COMPOSE_FILE)];
          const check = await run(composeCli![0], [...base, '--profile', 'slack', 'config', '-q']);
          expect(check).toEqual({ code: 0, output: '' });
          const resolved = await run(composeCli![0], [...base, 'config', '--format', 'json']);
          const worker = (JSON.parse(resolved.output) as Compose).services.worker.environment!;
          // The stack's own addresses win over .env; an empty Web UI URL in .env falls back to the stack's UI.
          expect(worker).toMatchObject({
            TEMPORAL_ADDRESS: 'temporal:7233',
            SNOWPATROL_WEB_UI_URL: 'http://localhost:8080',
          });
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }
    },
  );
});

/** `docker compose`, a standalone v2 `docker-compose`, or the binary SNOWPATROL_TEST_COMPOSE names, if any runs. */
function findCompose(): string[] | undefined {
  const candidates = [
    ...(process.env.SNOWPATROL_TEST_COMPOSE ? [[process.env.SNOWPATROL_TEST_COMPOSE]] : []),
    ['docker', 'compose'],
    ['docker-compose'],
  ];
  return candidates.find((c) => {
    const version = spawnSync(c[0], [...c.slice(1), 'version'], { encoding: 'utf8' });
    return version.status === 0 && !/version 1\./.test(version.stdout); // Compose v1 does not read this file format
  });
}

describe('.env.example', () => {
  /** Names in the code that look like settings but are not read from the environment. */
  const NOT_SETTINGS: Record<string, string> = {
    SNOWFLAKE_JWT: 'the key-pair authenticator name sent to Snowflake',
    SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'set by snowpatrol itself before the driver loads (no cloud probing)',
  };

  /** The shipped TypeScript sources. */
  const sources = ['schemas', 'client', 'worker', 'activities', 'workflows'].flatMap((dir) =>
    fs
      .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => read(path.join(dir, f))),
  );

  /** Every SNOWPATROL_/SNOWFLAKE_/SLACK_/TEMPORAL_/DATABASE_ name the shipped code mentions, minus its own identifiers. */
  function namesInCode(): Set<string> {
    const names = new Set<string>();
    const declared = new Set<string>();
    for (const source of sources) {
      for (const [name] of source.matchAll(
        /\b(?:SNOWPATROL|SNOWFLAKE|SLACK|TEMPORAL|DATABASE)_[A-Z0-9_]*[A-Z0-9]\b/g,
      )) {
        names.add(name);
      }
      for (const [, name] of source.matchAll(
        /\b(?:const|let|function|class|type|interface|enum)\s+([A-Z][A-Z0-9_]*)\b/g,
      )) {
        declared.add(name);
      }
    }
    for (const name of [...declared, ...Object.keys(NOT_SETTINGS)]) names.delete(name);
    return names;
  }

  test('documents every setting the code reads, and nothing else, once each', () => {
    const inCode = namesInCode();
    expect(envExample.invalid).toEqual([]);
    expect([...documentedKeys].sort()).toEqual([...inCode].sort());
    expect(new Set(documentedKeys).size).toBe(documentedKeys.length);
    // The exclusions are still names the code uses (else they are stale).
    for (const name of Object.keys(NOT_SETTINGS)) {
      expect([name, sources.some((source) => new RegExp(`\\b${name}\\b`).test(source))]).toEqual([name, true]);
    }
  });

  test('includes the Temporal connection and observability settings of a production worker', () => {
    expect(documentedKeys).toEqual(
      expect.arrayContaining([
        'TEMPORAL_ADDRESS',
        'TEMPORAL_NAMESPACE',
        'TEMPORAL_PROFILE',
        'TEMPORAL_CONFIG_FILE',
        'TEMPORAL_API_KEY',
        'TEMPORAL_TLS',
        'TEMPORAL_TLS_CLIENT_CERT_PATH',
        'TEMPORAL_TLS_CLIENT_KEY_PATH',
        'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
        'TEMPORAL_TLS_SERVER_NAME',
        'SNOWPATROL_METRICS_PORT',
        'SNOWPATROL_LOG_JSON',
        WORKFLOW_BUNDLE_ENV,
      ]),
    );
  });

  test('sets nothing as it is, and every value it shows is the real default (uncommented, the config is unchanged)', () => {
    expect(envExample.active).toEqual([]);
    const uncommented = Object.fromEntries(envExample.documented);
    // envconfig's profile records a namespace only when one is given; naming the default one connects the same.
    const effective = (config: Config) => ({
      ...config,
      temporal: { ...config.temporal, profile: { namespace: 'default', ...config.temporal.profile } },
    });
    expect(effective(loadConfig(uncommented, cwd))).toEqual(effective(loadConfig({}, cwd)));
  });

  test('secrets are empty placeholders', () => {
    const secrets = envExample.documented.filter(([key]) =>
      /TOKEN|SECRET|PASSWORD|PASSPHRASE|API_KEY|KEY_DATA/.test(key),
    );
    expect(secrets.map(([key]) => key)).toEqual(
      expect.arrayContaining(['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SNOWFLAKE_PASSWORD', 'TEMPORAL_API_KEY']),
    );
    for (const [key, value] of secrets) expect([key, value]).toEqual([key, '']);
  });
});

describe('Dockerfile', () => {
  test("the build stage runs CI's install, type check and lint (in .ci/run's order), then bundles and prunes", () => {
    const ciCommands = read('.ci/run')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /^npm (install|ci|run)\b/.test(line));
    expect(ciCommands).toEqual(['npm install --no-audit --no-fund', 'npm run typecheck', 'npm run lint']);
    const expected = [...ciCommands, 'npm run bundle:workflows', 'npm prune --omit=dev'];
    const commands = runCommands(build);
    const positions = expected.map((c) => commands.indexOf(c));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // The lockfile is in place before the install, the rest of the sources before the checks.
    const copies = instructions(build, 'COPY').map((i) => i.args);
    expect(copies).toEqual(['package.json package-lock.json ./', '. .']);
    expect(JSON.parse(read('package.json')).scripts['bundle:workflows']).toBe('tsx worker/build-bundle.ts');
  });

  test('the runtime runs the CLI under tini as a non-root user, the worker by default, with the prebuilt bundle', () => {
    expect(runtime.from).toMatch(/^node:20\.\d+\.\d+-bookworm-slim$/);
    expect(build.from).toBe(runtime.from);
    const apt = runCommands(runtime).find((c) => c.startsWith('apt-get install'))!;
    expect(apt.split(' ')).toEqual(expect.arrayContaining(['tini', 'fonts-dejavu-core', '--no-install-recommends']));
    expect(execForm(instructions(runtime, 'ENTRYPOINT')[0].args)).toEqual([
      '/usr/bin/tini',
      '--',
      'node',
      '--import',
      'tsx',
      'client/main.ts',
    ]);
    expect(execForm(instructions(runtime, 'CMD')[0].args)).toEqual(['worker']);
    const users = instructions(runtime, 'USER').map((i) => i.args);
    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/^(root|0)(:|$)/);
    const order = runtime.instructions.map((i) => i.keyword);
    expect(order.indexOf('USER')).toBeLessThan(order.indexOf('ENTRYPOINT'));

    const env = envOf(runtime);
    const workdir = instructions(runtime, 'WORKDIR')[0].args;
    expect(env).toMatchObject({
      NODE_ENV: 'production',
      [WORKFLOW_BUNDLE_ENV]: path.posix.join(workdir, DEFAULT_BUNDLE_FILE),
      SNOWPATROL_LOG_JSON: 'true',
    });
    const copies = instructions(runtime, 'COPY').map((i) => i.args);
    expect(copies).toContain(`--from=build /app/${DEFAULT_BUNDLE_FILE} ./${DEFAULT_BUNDLE_FILE}`);
    expect(copies).toContain('--from=build /app/node_modules ./node_modules');
    // The image's settings are valid, and say what the image promises.
    const config = loadConfig(env, cwd);
    expect({ logJson: config.logJson, metricsPort: config.metricsPort }).toEqual({
      logJson: true,
      metricsPort: Number(env.SNOWPATROL_METRICS_PORT),
    });
    const exposed = instructions(runtime, 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
    expect(exposed).toEqual(expect.arrayContaining([env.SNOWPATROL_METRICS_PORT, env.SLACK_PORT]));
  });

  test('the image holds every file the CLI loads and only production packages are needed to load it', () => {
    const copied = instructions(runtime, 'COPY')
      .map((i) => /--from=build \/app\/(\S+) /.exec(i.args)?.[1])
      .filter((p): p is string => p !== undefined);
    const { files, packages } = loadedCode(ROOT, 'client/main.ts');
    expect(files.length).toBeGreaterThan(50);
    for (const file of [...files, 'schemas/migrations/meta/_journal.json']) {
      expect([file, copied.some((c) => file === c || file.startsWith(`${c}/`))]).toEqual([file, true]);
    }
    const { dependencies } = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    for (const pkg of [...packages, 'tsx']) expect([pkg, pkg in dependencies]).toEqual([pkg, true]);
  });

  test('.dockerignore keeps secrets, local state and tests out of the build context, and the sources in', () => {
    const ignore = read('.dockerignore');
    for (const file of ['.env', '.git/config', 'node_modules/zod/package.json', '.snowpatrol/pglite/PG_VERSION']) {
      expect([file, dockerIgnores(ignore, file)]).toEqual([file, true]);
    }
    for (const file of [
      'test/unit/deploy.test.ts',
      'dist/workflow-bundle.js',
      'snowpatrol_key.p8',
      '.env.production',
    ]) {
      expect([file, dockerIgnores(ignore, file)]).toEqual([file, true]);
    }
    const needed = ['package.json', 'package-lock.json', 'tsconfig.json', 'eslint.config.js'];
    const { files } = loadedCode(ROOT, 'client/main.ts');
    for (const file of [...needed, ...files, 'worker/build-bundle.ts', 'schemas/migrations/0000_init.sql']) {
      expect([file, dockerIgnores(ignore, file)]).toEqual([file, false]);
    }
  });
});

describe('Slack app health route', () => {
  test('answers the compose health check with 200 ok; Slack paths still refuse unsigned requests', async () => {
    const fake = await startSlackFake();
    const app = await startSlackApp({
      slack: {
        botToken: fake.token,
        apiUrl: fake.apiUrl,
        signingSecret: 'deploy-test-secret',
        appToken: undefined,
        port: 3000,
      },
      db: {} as never,
      temporal: {} as never,
      namespace: 'default',
      webUiUrl: 'http://localhost:8233',
      port: 0,
    });
    // Bolt warns about each request it refuses; the refusal is what this test provokes.
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const [, ...check] = compose.services.slack.healthcheck!.test!;
    const probe = () => run(check[0], check.slice(1), { ...process.env, SLACK_PORT: String(app.port) });
    try {
      const health = await fetch(`http://127.0.0.1:${app.port}${HEALTH_PATH}`);
      expect([health.status, await health.text()]).toEqual([200, 'ok']);
      expect((await probe()).code).toBe(0);
      const unsigned = await fetch(`http://127.0.0.1:${app.port}${EVENTS_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'command=%2Fsnowpatrol&text=status&user_id=U0MALLORY',
      });
      expect(unsigned.status).toBe(401);
      expect(warn.mock.calls.flat().join(' ')).toContain('x-slack-signature');
    } finally {
      warn.mockRestore();
      await app.stop();
      await fake.stop();
    }
    expect((await probe()).code).toBe(1);
  });
});
