/** Unit (*.test.ts) and integration (*.int.test.ts) tests, next to the code they test and under test/. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2023', experimental: { keepImportAttributes: true } }, module: { type: 'es6' } }],
  },
  testMatch: ['<rootDir>/{functions,lib,local,test,bench,resources}/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/.serverless/', '/.package/', '/.esbuild/'],
  testTimeout: 60_000,
  // Two workers on two cores: many suites wait on child processes (CLI, broker, browser), so they overlap well.
  maxWorkers: 2,
};
