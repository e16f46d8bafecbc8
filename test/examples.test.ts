import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { renderOutput } from "@wedata-kit/compiler";
import { buildProject } from "../packages/cli/src/compile-project.js";
import { CONFIG, examplesDir, repoRoot, tempProject } from "./helpers.js";

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) =>
    statSync(join(dir, e)).isDirectory() ? listFiles(join(dir, e)) : [join(dir, e)],
  );
}

describe("examples/seed", () => {
  it("compiles to WeData's own CreateTriggerTask example body, field for field", async () => {
    const { compiled } = await buildProject({ cwd: join(examplesDir, "seed"), typecheck: false });
    expect(compiled.tasks).toHaveLength(1);
    const seed = JSON.parse(readFileSync(join(repoRoot, "test/fixtures/seed-create-trigger-task.json"), "utf8"));
    expect(compiled.tasks[0]!.payload).toStrictEqual(seed);
  });
});

describe("examples/daily-etl", () => {
  it("matches the checked-in golden output byte for byte", async () => {
    const { compiled } = await buildProject({ cwd: join(examplesDir, "daily-etl") });
    const files = renderOutput(compiled);
    const goldenDir = join(examplesDir, "daily-etl", "compiled");
    // The marker says the folder is wedata-kit's own output; it is not a payload.
    const golden = listFiles(goldenDir)
      .map((f) => relative(goldenDir, f))
      .filter((f) => f !== ".wedata-kit-owned")
      .sort();
    expect([...files.keys()].sort()).toEqual(golden);
    for (const [name, content] of files) expect(content, name).toBe(readFileSync(join(goldenDir, name), "utf8"));
  });

  it("has several scheduled workflows, a dozen tasks of mixed kinds, parameters and a nested workflow", async () => {
    const { compiled } = await buildProject({ cwd: join(examplesDir, "daily-etl"), typecheck: false });
    expect(compiled.workflows.length).toBeGreaterThanOrEqual(2);
    expect(compiled.tasks.length).toBeGreaterThanOrEqual(12);
    expect(new Set(compiled.tasks.map((t) => t.kind)).size).toBeGreaterThanOrEqual(5);
    const run = compiled.tasks.find((t) => t.kind === "runWorkflow")!;
    expect(run.payload.TriggerTaskConfiguration.TaskExtConfigurationList).toContainEqual({
      ParamKey: "subWorkflowId",
      ParamValue: "$ref:workflow/dim_refresh",
    });
    expect(compiled.tasks.some((t) => t.payload.TriggerTaskSchedulerConfiguration.ParamTaskInList?.length)).toBe(true);
    expect(
      compiled.workflows.filter((w) => w.payload?.TriggerWorkflowSchedulerConfigurations?.length).length,
    ).toBeGreaterThanOrEqual(2);
  });
});

describe("determinism", () => {
  const a = `import { task, workflow } from "@wedata-kit/dsl";
const x = task("x").shell("jobs/x.sh");
const y = task("y").python({ inline: "print(1)" }).after(x);
const z = task("z").shell({ inline: "echo z" }).after(x).retry(2);
export const one = workflow("one", { folder: "/f" }).tasks(x, y, z);
`;
  const aShuffled = `import { task, workflow } from "@wedata-kit/dsl";
const x = task("x").shell("jobs/x.sh");
const z = task("z").shell({ inline: "echo z" }).after(x).retry(2);
const y = task("y").python({ inline: "print(1)" }).after(x);

export const one = workflow("one", { folder: "/f" }).tasks(z, y, x);
`;
  const b = `import { task, workflow } from "@wedata-kit/dsl";
export const two = workflow("two", { folder: "/g" }).tasks(task("p").shell({ inline: "echo p" }), task("q").merge());
`;
  const config = (files: string[]) => CONFIG.replace('["pipeline.ts"]', JSON.stringify(files));

  it("gives the same bytes whatever the declaration and file order", async () => {
    const p1 = tempProject({
      "wedata.config.ts": config(["a.ts", "b.ts"]),
      "a.ts": a,
      "b.ts": b,
      "jobs/x.sh": "echo x\n",
    });
    const p2 = tempProject({
      "wedata.config.ts": config(["b.ts", "a.ts"]),
      "a.ts": aShuffled,
      "b.ts": b,
      "jobs/x.sh": "echo x\n",
    });
    try {
      const o1 = renderOutput((await buildProject({ cwd: p1.dir, typecheck: false })).compiled);
      const o2 = renderOutput((await buildProject({ cwd: p2.dir, typecheck: false })).compiled);
      expect(o1.size).toBe(8);
      expect([...o2.entries()].sort()).toEqual([...o1.entries()].sort());
    } finally {
      p1.cleanup();
      p2.cleanup();
    }
  });
});

describe("committed snapshots of the examples", () => {
  it.each(["seed", "daily-etl"])("examples/%s/wedata.snapshot is up to date", async (name) => {
    const { runCli } = await import("./cli.js");
    const r = await runCli(["compile", "--cwd", join(examplesDir, name), "--no-typecheck", "--check"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });
});
