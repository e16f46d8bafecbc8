import { defineConfig } from "vitest/config";

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources (the "@wedata-kit/source" export condition), so
  // tests never run stale builds; vitest resolves in its SSR pipeline, hence `ssr`.
  ssr: { resolve: { conditions: ["@wedata-kit/source"] } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Prints the reliability suite's figures at the end of a run.
    globalSetup: ["test/reliability/report.setup.ts"],
  },
});
