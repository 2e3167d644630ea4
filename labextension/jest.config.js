/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: '<rootDir>/testutils/jsdom-environment.js',
  roots: ['<rootDir>/src'],
  testMatch: ['**/__tests__/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }]
  },
  collectCoverageFrom: ['src/**/*.ts', '!src/**/__tests__/**']
};
