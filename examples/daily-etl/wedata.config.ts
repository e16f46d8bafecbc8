import { defineConfig } from "@wedata-kit/dsl";

export default defineConfig({
  name: "daily-etl",
  pipelines: ["pipelines/dimensions.ts", "pipelines/daily-orders.ts", "pipelines/monitoring.ts"],
  targets: {
    // With no credentials and no endpoint, `wedata deploy` uses the embedded local emulator.
    dev: { projectId: "2378393617299558400", region: "ap-guangzhou", projectIdentifier: "acme_dw_dev" },
    prod: { projectId: "1460947878944567296", region: "ap-guangzhou", projectIdentifier: "acme_dw" },
  },
  defaultTarget: "dev",
});
