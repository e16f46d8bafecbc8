import assert from "node:assert/strict";
import { test } from "node:test";
import { buildProject } from "@wedata-kit/cli";

// Compiles the project exactly as `wedata plan` and `wedata deploy` do (every check included), then looks at
// the request payloads they would send.
test("the daily pipeline compiles, and load runs after extract", async () => {
  const { compiled } = await buildProject({ cwd: process.cwd(), target: "dev", typecheck: false });
  const names = compiled.tasks.map((t) => t.name).sort();
  assert.deepEqual(names, ["extract", "load"]);
  const load = compiled.tasks.find((t) => t.name === "load");
  const upstream = load?.payload.TriggerTaskSchedulerConfiguration.UpstreamDependencyConfigList ?? [];
  assert.equal(upstream.length, 1, "load depends on one task");
});

test("each target loads into its own database", async () => {
  for (const [target, db] of [
    ["dev", "dw_dev"],
    ["prod", "dw"],
  ] as const) {
    const { compiled } = await buildProject({ cwd: process.cwd(), target, typecheck: false });
    const load = compiled.tasks.find((t) => t.name === "load");
    const params = load?.payload.TriggerTaskConfiguration.TaskSchedulingParameterList ?? [];
    assert.deepEqual(params, [{ ParamKey: "target_db", ParamValue: db }], target);
  }
});
