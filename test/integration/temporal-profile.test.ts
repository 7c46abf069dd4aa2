/**
 * A remote Temporal configured the way Temporal Cloud users configure it: a profile of a Temporal config file
 * (TOML) and nothing else. The CLI and the worker reach the server it names — in plaintext, and with mTLS through a
 * TLS-terminating proxy that accepts only client certificates signed by its CA — and a wrong profile stops the
 * CLI at start-up with a message that says what is wrong.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { TASK_QUEUE, WORKFLOW_TYPES } from '../../schemas/constants';
import { tempDir } from '../fixtures/temp-dir';
import { freePort, isolatedEnv, runCli, startCli, type RunningCli } from '../helpers/cli';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { startTemporal } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let dir: string;
let testDb: TestDatabase | undefined;
let proxy: MtlsProxy | undefined;
let worker: RunningCli | undefined;

beforeAll(async () => {
  env = await startTemporal();
  dir = tempDir();
});

afterAll(async () => {
  worker?.kill('SIGKILL');
  await worker?.exited;
  await proxy?.close();
  await testDb?.drop();
  await env?.teardown();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A Temporal config file with one profile per entry (TOML tables written out by hand, as a user would). */
function writeConfigFile(profiles: Record<string, string>): string {
  const file = path.join(dir, 'temporal.toml');
  fs.writeFileSync(
    file,
    Object.entries(profiles)
      .map(([name, body]) => `[profile.${name}]\n${body}\n`)
      .join('\n'),
  );
  return file;
}

/**
 * The CLI's environment: only the config file and profile say where Temporal is. The embedded dev server's port is
 * one nothing listens on, so a CLI that ignored the profile would fail instead of finding a server by luck.
 */
async function profileEnv(file: string, profile: string, extra: Record<string, string> = {}) {
  return isolatedEnv({
    TEMPORAL_CONFIG_FILE: file,
    TEMPORAL_PROFILE: profile,
    SNOWPATROL_HOME: dir,
    SNOWPATROL_DEV_SERVER_PORT: String(await freePort()),
    ...extra,
  });
}

test('configured only through a profile, the CLI applies and lists schedules on the server it names', async () => {
  const file = writeConfigFile({ ci: `address = "${env.address}"\nnamespace = "default"` });
  const cliEnv = await profileEnv(file, 'ci');

  const applied = await runCli(['schedules', 'apply', '--json'], cliEnv);
  expect(applied.stderr).toBe('');
  expect(applied.code).toBe(0);
  const listed = await runCli(['schedules', 'list', '--json'], cliEnv);
  expect(listed.code).toBe(0);
  const ids = (JSON.parse(listed.stdout) as { scheduleId: string }[]).map((s) => s.scheduleId);
  expect(ids).toEqual(expect.arrayContaining(['snowpatrol-daily-pipeline', 'snowpatrol-weekly-retrain']));
  // The schedules are on the test server itself.
  await expect(env.client.schedule.getHandle('snowpatrol-daily-pipeline').describe()).resolves.toBeDefined();

  for (const id of ids) await env.client.schedule.getHandle(id).delete();
});

test('a profile name the file does not have stops the CLI at start-up, naming the profiles it has', async () => {
  const file = writeConfigFile({ ci: `address = "${env.address}"` });
  const result = await runCli(['schedules', 'list'], await profileEnv(file, 'prod'));
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`TEMPORAL_PROFILE: no profile "prod" in ${file} (it has: ci)`);
});

test('a client certificate without its key stops the CLI at start-up, naming the setting', async () => {
  const certPath = path.join(dir, 'lonely-cert.pem');
  fs.writeFileSync(certPath, '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
  const file = writeConfigFile({ ci: `address = "${env.address}"` });
  const result = await runCli(
    ['schedules', 'list'],
    await profileEnv(file, 'ci', { TEMPORAL_TLS_CLIENT_CERT_PATH: certPath }),
  );
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(
    'TEMPORAL_TLS_CLIENT_CERT_PATH: a client certificate needs its key (TEMPORAL_TLS_CLIENT_KEY_PATH)',
  );
});

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

(hasOpenssl ? test : test.skip)(
  'mTLS from a profile: the CLI and the worker both connect with the client certificate',
  async () => {
    const pki = makePki(path.join(dir, 'pki'));
    const [host, port] = env.address.split(':');
    proxy = await startMtlsProxy(pki, { host, port: Number(port) });
    const file = writeConfigFile({
      secure: [
        `address = "127.0.0.1:${proxy.port}"`,
        'namespace = "default"',
        '[profile.secure.tls]',
        `client_cert_path = "${pki.clientCert}"`,
        `client_key_path = "${pki.clientKey}"`,
        `server_ca_cert_path = "${pki.caCert}"`,
        'server_name = "localhost"',
      ].join('\n'),
    });

    // The CLI's client connection (schedules live only on the server, so this reaches it through the proxy).
    const listed = await runCli(['schedules', 'list', '--json'], await profileEnv(file, 'secure'));
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(proxy.accepted()).toBeGreaterThan(0);

    // The worker's native connection: a workflow on the task queue completes only if the worker polls through it.
    testDb = await createTestDatabase();
    const before = proxy.accepted();
    worker = startCli(['worker'], await profileEnv(file, 'secure', { DATABASE_URL: testDb.url }));
    const deadline = Date.now() + 60_000;
    while (!worker.output().includes('snowpatrol worker:')) {
      if (Date.now() > deadline) throw new Error(`worker did not start:\n${worker.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(worker.output()).toContain('"temporalSecurity":"mTLS"');
    await env.client.workflow.execute(WORKFLOW_TYPES.notify, {
      taskQueue: TASK_QUEUE,
      workflowId: 'mtls-notify-2026-03-01',
      args: [{ asOf: '2026-03-01' }],
    });
    expect(proxy.accepted()).toBeGreaterThan(before);
    expect(proxy.refused()).toBe(0);
  },
);

interface Pki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** A throwaway CA, a server certificate for localhost and a client certificate, made with openssl. */
function makePki(out: string): Pki {
  fs.mkdirSync(out, { recursive: true });
  const p = (name: string) => path.join(out, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: out, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=snowpatrol test CA',
  );
  const issue = (name: string, subject: string, extensions: string) => {
    fs.writeFileSync(p(`${name}.ext`), extensions);
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${name}.pem`,
      '-extfile',
      `${name}.ext`,
    );
  };
  issue(
    'server',
    '/CN=localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
  );
  issue('client', '/CN=snowpatrol-worker', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  return {
    caCert: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
  };
}

interface MtlsProxy {
  port: number;
  /** Connections that presented a client certificate signed by the CA. */
  accepted(): number;
  /** Connections refused during the TLS handshake. */
  refused(): number;
  close(): Promise<void>;
}

/** Terminates mTLS (gRPC over HTTP/2, so ALPN h2) and forwards the plaintext stream to the dev server. */
async function startMtlsProxy(pki: Pki, target: { host: string; port: number }): Promise<MtlsProxy> {
  let accepted = 0;
  let refused = 0;
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      key: fs.readFileSync(pki.serverKey),
      cert: fs.readFileSync(pki.serverCert),
      ca: fs.readFileSync(pki.caCert),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (socket) => {
      accepted++;
      const upstream = net.connect(target.port, target.host);
      for (const s of [socket, upstream]) {
        sockets.add(s);
        s.once('close', () => sockets.delete(s));
      }
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
    },
  );
  server.on('tlsClientError', () => refused++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
