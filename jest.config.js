/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  // Integration tests share one Temporal CLI build and one Postgres; run files one at a time on this 2-core box.
  maxWorkers: 1,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  testTimeout: 120_000,
};
