import { defineConfig } from "vitest/config";

// Two projects: `unit` (pure stages, no servers, seconds) and `e2e` (real HTTP to the sandbox on
// 127.0.0.1, real redis-server, child processes, the built dist/). `npm run test:unit` runs the
// first alone; `npm test` runs both after one build.
export default defineConfig({
  test: {
    pool: "forks",
    globalSetup: ["test/global-setup.ts"],
    projects: [
      {
        extends: true,
        // Pure stages: one set of workers for every file (no fork per file), so the project's time
        // is its tests' time; two of them, as no unit test measures time against another process.
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          testTimeout: 10_000,
          isolate: false,
          maxWorkers: 2,
          sequence: { groupOrder: 0 }, // before the e2e files, never beside them
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 30_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
