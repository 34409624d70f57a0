import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['spec/**/*.test.ts', 'reference/**/*.test.ts', 'optimized/**/*.test.ts', 'hw-model/**/*.test.ts', 'store/**/*.test.ts', 'proofs/**/*.test.ts', 'cli/**/*.test.ts', 'harness/**/*.test.ts', 'tests/**/*.test.ts', 'bench/**/*.test.ts'],
    exclude: ['node_modules', 'dist', 'tests/consumer/node_modules'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: ['tests/setup.ts'],
  },
});
