/** ESM TypeScript through ts-jest; tests live under test/ and name the behaviour they prove. */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/support/cleanup.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json', diagnostics: { ignoreCodes: [151002] } }],
  },
  testTimeout: 120000,
  // tree-sitter's native binding cannot be evaluated twice in one process (its JS wrapper
  // patches the native prototypes), so every test file gets a fresh worker: recycle after each.
  maxWorkers: 2,
  workerIdleMemoryLimit: '1MB',
};
