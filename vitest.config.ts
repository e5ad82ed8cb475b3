import {defineConfig} from "vitest/config";

/**
 * Two projects: `unit` runs fast, model-free tests in parallel; `model` runs tests that load llama.cpp, train,
 * start servers or a browser (files named `*.model.test.ts`), one file at a time so two cores are not
 * oversubscribed and timings inside them stay meaningful.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "test/**/*.test.ts"],
          exclude: ["**/*.model.test.ts", "node_modules/**", "dist/**"],
          testTimeout: 30_000
        }
      },
      {
        test: {
          name: "model",
          include: ["src/**/*.model.test.ts", "test/**/*.model.test.ts"],
          exclude: ["node_modules/**", "dist/**"],
          pool: "forks",
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000
        }
      }
    ]
  }
});
