import { defineConfig } from 'vitest/config';

// The browser suite: starts the demo server itself (its own DATA_DIR and port) and drives Debian's
// Chromium through playwright-core. Run with `npm run test:e2e` (CI runs it after `npm test`).
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 90_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});
