/**
 * snowflake-sdk probes cloud metadata hosts when it is first loaded unless platform detection is disabled
 * before. These tests fail if any module but the lazy loader imports the driver, or if loading it through the
 * loader (in a fresh process whose environment does not disable detection) would probe anything.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const LOADER = 'activities/sources/snowflake/driver.ts';

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

test('only the lazy loader loads snowflake-sdk (other modules may import its types only)', () => {
  const offenders = ['activities', 'client', 'worker', 'workflows', 'schemas'].flatMap(sourceFiles).filter((file) => {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    const valueImport = /^import\s+(?!type\b)[^;]*from\s+'snowflake-sdk'/m.test(text);
    const required = /require\(\s*'snowflake-sdk'\s*\)/.test(text);
    return (valueImport || required) && file !== LOADER;
  });
  expect(offenders).toEqual([]);
});

test('loading the driver through the loader disables platform detection and touches no network', () => {
  const script = `
    const net = require('node:net');
    const attempts = [];
    const connect = net.Socket.prototype.connect;
    net.Socket.prototype.connect = function (...args) { attempts.push(JSON.stringify(args[0])); return connect.apply(this, args); };
    const { loadSnowflakeDriver } = require(${JSON.stringify(path.join(ROOT, LOADER))});
    loadSnowflakeDriver();
    const { getDetectedPlatforms } = require('snowflake-sdk/dist/lib/telemetry/platform_detection');
    Promise.resolve(getDetectedPlatforms()).then((platforms) =>
      setTimeout(() => console.log(JSON.stringify({ platforms, attempts, env: process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION })), 300));
  `;
  const env = { ...process.env };
  delete env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION;
  delete env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE;
  const out = execFileSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: ROOT, env, encoding: 'utf8' });
  const result = JSON.parse(out.trim().split('\n').pop() as string);
  expect(result.platforms).toEqual(['disabled']);
  expect(result.attempts).toEqual([]);
  expect(result.env).toBe('true');
});
