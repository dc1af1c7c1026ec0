import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the real GMAT (gsweep setup-gmat) once per machine outside CI; see the file.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Temporal dev servers and GMAT child processes are heavy on a 2-core machine:
    // files run one at a time so timings in failure-path tests stay meaningful.
    fileParallelism: false,
  },
});
