import { defineConfig } from "@wedata-kit/dsl";

export default defineConfig({
  // The ownership mark on everything this project deploys: wedata-kit changes only what carries it.
  name: "{{name}}",
  pipelines: ["pipelines/daily.ts"],
  targets: {
    // With no credentials (TENCENTCLOUD_SECRET_ID/KEY) and no endpoint, `wedata deploy` uses the embedded
    // local WeData emulator; with credentials, the real WeData project.
    dev: { projectId: "{{devProjectId}}", region: "{{region}}" },
    prod: { projectId: "{{prodProjectId}}", region: "{{region}}" },
  },
  defaultTarget: "dev",
});
