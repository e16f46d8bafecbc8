import { describe, expect, expectTypeOf, it } from "vitest";
import {
  byTarget,
  CURRENT_TARGET,
  DslError,
  existingWorkflow,
  mentionsUncaptured,
  NOT_CAPTURED,
  SKIP_METHOD_LOCATIONS,
  TARGET_VALUES,
  type TargetValue,
  isTask,
  isWorkflow,
  task,
  workflow,
  type TaskBuilder,
  type WorkflowBuilder,
} from "./index.js";

describe("task builder", () => {
  it("is immutable: every method returns a new builder and leaves the original as it was", () => {
    const base = task("load").shell("jobs/load.sh");
    const retried = base.retry(2);
    expect(retried).not.toBe(base);
    expect(base.node.maxRetries).toBeUndefined();
    expect(retried.node.maxRetries).toBe(2);
    expect(Object.isFrozen(retried.node)).toBe(true);
    expect(Object.isFrozen(retried.node.ext)).toBe(true);
    expect(() => {
      (retried.node as { name: string }).name = "x";
    }).toThrow(TypeError);
  });

  it("is frozen all the way down, whatever methods made it", () => {
    const up = task("up").shell("u.sh").output("n", "$[0]");
    const t = task("t")
      .python("t.py", { version: "python3.11" })
      .retry(2, { waitMinutes: 3 })
      .after(up, "other")
      .input("n", { from: up, param: "n" })
      .schedulingParams({ day: "${yyyyMMdd}" })
      .ext("k", "v")
      .folder("/ods");
    const unfrozen: string[] = [];
    const walk = (v: unknown, path: string) => {
      if (v === null || typeof v !== "object") return;
      if (!Object.isFrozen(v)) unfrozen.push(path);
      for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
    };
    walk(t.node, "node");
    expect(unfrozen).toEqual([]);
  });

  it("records where each setting was written", () => {
    const t = task("a").shell({ inline: "echo" }).retry(1);
    expect(t.node.origin.file).toMatch(/task\.test\.ts$/);
    expect(t.node.locs.retry!.line).toBe(t.node.origin.line);
    expect(t.node.locs.retry!.column).toBeGreaterThan(t.node.origin.column);
  });

  it("leaves method places uncaptured when a loader asks, but still captures task(), workflow() and byTarget()", () => {
    const g = globalThis as {
      [SKIP_METHOD_LOCATIONS]?: unknown;
      [CURRENT_TARGET]?: unknown;
      [TARGET_VALUES]?: unknown;
    };
    const chosen: TargetValue[] = [];
    g[SKIP_METHOD_LOCATIONS] = true;
    g[CURRENT_TARGET] = { name: "dev", projectId: "1", region: "ap-guangzhou", declared: ["dev", "prod"] };
    g[TARGET_VALUES] = chosen;
    let t: TaskBuilder;
    let w: WorkflowBuilder;
    try {
      t = task("a")
        .shell("jobs/a.sh")
        .retry(-1)
        .resourceGroup(byTarget({ dev: "rg_dev", prod: "rg_prod" }));
      w = workflow("w", { folder: "/f" }).tasks(t);
    } finally {
      delete g[SKIP_METHOD_LOCATIONS];
      delete g[CURRENT_TARGET];
      delete g[TARGET_VALUES];
    }
    const line = (l: { file: string; line: number }) => `${l.file.split("/").pop()}:${l.line}`;
    const here = line(t.node.origin);
    expect(here).toMatch(/^task\.test\.ts:\d+$/);
    expect(line(w.node.origin)).toBe(`task.test.ts:${t.node.origin.line + 4}`);
    expect(t.node.locs.code).toBe(NOT_CAPTURED);
    expect(t.node.locs.resourceGroup).toBe(NOT_CAPTURED);
    // The misuse is recorded at the uncaptured place: the loader sees it and loads again with places.
    expect(t.node.problems?.map((p) => [p.code, p.loc])).toEqual([["E_RANGE", NOT_CAPTURED]]);
    expect(mentionsUncaptured(t.node.problems![0]!)).toBe(true);
    // A value the plan shows keeps its own line.
    expect(chosen.map((v) => line(v.loc))).toEqual([`task.test.ts:${t.node.origin.line + 3}`]);
    // Without the flag every place is captured again.
    const again = task("b").shell("jobs/b.sh");
    expect(again.node.locs.code).not.toBe(NOT_CAPTURED);
    expect(again.node.locs.code!.line).toBe(again.node.origin.line);
  });

  it("keeps the original task's identity across derived builders, for .after()", () => {
    const extract = task("extract").shell("e.sh");
    const load = task("load").shell("l.sh").after(extract.retry(1), "other");
    expect(load.node.upstream.map((r) => r.name)).toEqual(["extract", "other"]);
    expect(load.node.upstream[0]!.origin).toEqual(extract.node.origin);
  });

  it("typed options write the documented extension keys", () => {
    const py = task("p").python("x.py", { version: "python3.11" });
    expect(py.node.ext).toEqual([
      ["python_type", "python3"],
      ["python_sub_version", "python3.11"],
    ]);
    const sql = task("s").dlcSql("q.sql", { engine: "e1", region: "ap-guangzhou", engineKind: "standard-spark" });
    expect(Object.fromEntries(sql.node.ext)).toMatchObject({
      computeResource: "e1",
      dlc_region: "ap-guangzhou",
      dlcEngineType: "StandardSpark",
      computeResourceType: "nonSparkJob",
      IsInherit: "2",
    });
  });

  it("ext() replaces a key in place instead of duplicating it", () => {
    const t = task("t").shell("x.sh").ext("a", "1").ext("b", "2").ext("a", "3");
    expect(t.node.ext).toEqual([
      ["a", "3"],
      ["b", "2"],
    ]);
  });

  it(
    "records misuse certain at call time on the builder, at the caller's line, and keeps the setting as it " + "was",
    () => {
      const line = new Error().stack!.split("\n")[1]!.match(/:(\d+):\d+\)?$/)![1];
      const t = task("t")
        .retry(-1)
        .retry(Number.NaN)
        .priority("urgent" as never)
        .retry(2);
      expect(t.node.maxRetries).toBe(2);
      expect(t.node.problems!.map((p) => p.code)).toEqual(["E_RANGE", "E_RANGE", "E_ENUM"]);
      expect(t.node.problems![1]!.message).toMatch(/got NaN$/);
      expect(t.node.problems![2]!.message).toMatch(/one of high, medium, low/);
      // Each at the line of its own call: .retry(-1), .retry(NaN) and .priority() on the three lines after task("t").
      for (const [i, p] of t.node.problems!.entries()) {
        expect(p.loc.file).toMatch(/task\.test\.ts$/);
        expect(p.loc.line).toBe(Number(line) + 2 + i);
      }
      expect(task(42 as never).node.problems![0]!.code).toBe("E_TYPE");
    },
  );

  it("records every misuse of workflow options, and leaves the valid ones in place", () => {
    const w = workflow("w", {
      folder: "/f",
      maxConcurrentRuns: 0,
      status: "ON" as never,
      schedule: { cron: "0 0 2 * * ? *", start: "2026-02-30 00:00:00" },
    });
    expect(w.node.folder).toBe("/f");
    expect(w.node.problems!.map((p) => p.code).sort()).toEqual(["E_DATETIME", "E_ENUM", "E_RANGE"]);
    expect(w.node.problems!.find((p) => p.code === "E_DATETIME")!.message).toMatch(
      /2026-02-30 00:00:00" is not a date and time that exists/,
    );
    expect(w.tasks("nope" as never).node.problems!.map((p) => p.code)).toContain("E_TYPE");
    expect(DslError).toBeDefined();
  });

  it("brands builders with Symbol.for so a second copy of the library recognises them", () => {
    const t = task("t");
    expect(isTask(t)).toBe(true);
    expect(isTask({ [Symbol.for("wedata-kit.task")]: true })).toBe(true);
    expect(isTask({ name: "t" })).toBe(false);
    expect(isWorkflow(workflow("w", { folder: "/" }))).toBe(true);
  });
});

describe("workflow builder", () => {
  it("adds tasks without changing the original", () => {
    const w = workflow("w", { folder: "/f" });
    const w2 = w.tasks(task("a").shell("a.sh"));
    expect(w.node.tasks).toHaveLength(0);
    expect(w2.node.tasks.map((t) => t.name)).toEqual(["a"]);
  });
  it("fills schedule defaults: UTC+8, CRON_EXPRESSION, end 2099", () => {
    const w = workflow("w", { folder: "/f", schedule: { cron: "0 0 2 * * ? *", start: "2026-01-01 00:00:00" } });
    expect(w.node.schedules![0]).toMatchObject({
      timezone: "UTC+8",
      configMode: "CRON_EXPRESSION",
      cycle: "CRONTAB_CYCLE",
      end: "2099-12-31 23:59:59",
    });
  });
  it("existingWorkflow carries the remote id", () => {
    expect(existingWorkflow("d3e40dcc-bf42-4fb9-b081-b00408d478ec").node.existingId).toBe(
      "d3e40dcc-bf42-4fb9-b081-b00408d478ec",
    );
  });
});

describe("public types", () => {
  it("keeps the task name as a literal type", () => {
    const t = task("load").shell("x.sh").retry(2);
    expectTypeOf(t).toEqualTypeOf<TaskBuilder<"load">>();
    expectTypeOf(t.name).toEqualTypeOf<"load">();
    expectTypeOf(workflow("daily", { folder: "/" })).toEqualTypeOf<WorkflowBuilder<"daily">>();
  });
  it("types enums and options", () => {
    expectTypeOf(task("t").priority).parameter(0).toEqualTypeOf<"high" | "medium" | "low">();
    expectTypeOf(task("t").redo).parameter(0).toEqualTypeOf<"ALL" | "FAILURE" | "NONE">();
    expectTypeOf(task("t").after).parameters.toEqualTypeOf<Array<TaskBuilder | string>>();
    // Compile-time only: `npm run typecheck` fails if any of these lines type-checks.
    const misuses = () => {
      // @ts-expect-error retry takes a number
      task("t").retry("3");
      // @ts-expect-error unknown priority
      task("t").priority("urgent");
      // @ts-expect-error unknown trigger policy
      task("t").triggerWhen("SOMETIMES");
      // @ts-expect-error DLC SQL needs its engine options
      task("t").dlcSql("q.sql");
      // @ts-expect-error workflows need a folder
      workflow("w", {});
    };
    expect(misuses).toBeTypeOf("function");
  });
});
