import { defineConfig } from "@wedata-kit/dsl";

export default defineConfig({
  name: "seed",
  pipelines: ["pipeline.ts"],
  targets: {
    prod: { projectId: "1460947878944567296", region: "ap-guangzhou" },
  },
});
