/** The apply DAG with a fake API: a failure skips exactly its dependents, and a plan naming an unknown step is an
 * error. */
import { compileProject } from "@wedata-kit/compiler";
import { task, workflow } from "@wedata-kit/dsl";
import { describe, expect, it } from "vitest";
import { applyPlan } from "./apply.js";
import { RateLimitedCaller } from "./caller.js";
import { ApiCallError } from "./errors.js";
import { planDeployment } from "./plan.js";
import type { Action, WedataApi } from "./sdk-client.js";

const target = { name: "dev", projectId: "1", region: "ap-guangzhou", projectIdentifier: "proj" };

/** A WeData that creates everything except the tasks named in `failing`, and records each call. */
function fakeApi(failing: readonly string[]) {
  const calls: Array<{ action: Action; name?: string }> = [];
  let n = 0;
  const api: WedataApi = {
    async call(action, request) {
      const r = request as Record<string, any>;
      const name = r.TriggerTaskBaseAttribute?.TaskName ?? r.WorkflowName;
      calls.push({ action, name });
      if (action === "CreateTriggerTask" && failing.includes(name))
        throw new ApiCallError(action, "InvalidParameterValue", `refused ${name}`, "req-1", false);
      if (action.startsWith("List")) return { Data: { Items: [], TotalCount: 0, TotalPageNumber: 1 } } as never;
      if (action === "CreateTriggerWorkflow") return { Data: { WorkflowId: `wf-${++n}` } } as never;
      if (action === "CreateTriggerTask") return { Data: { TaskId: String(20260000000000000 + ++n) } } as never;
      if (action === "SubmitTriggerTask") return { Data: { VersionId: "v", Status: true } } as never;
      return { Data: { Status: true } } as never;
    },
  };
  return { api, calls };
}

const a = task("a").shell({ inline: "a" });
const b = task("b").shell({ inline: "b" }).after(a);
const c = task("c").shell({ inline: "c" }).after(b);
const d = task("d").shell({ inline: "d" });
const compiled = compileProject({
  root: "/x",
  modules: [{ file: "/x/p.ts", exports: { w: workflow("w", { folder: "/" }).tasks(a, b, c, d) } }],
  target,
  readFile: () => Buffer.alloc(0),
});
const empty = {
  projectId: "1",
  workflows: [],
  tasks: [],
  workflowFolders: new Set(["/"]),
  taskFolders: new Set<string>(),
};

describe("applyPlan's DAG", () => {
  it("a failed step skips exactly what depends on it; independent steps go on", async () => {
    const { api, calls } = fakeApi(["a"]);
    const plan = planDeployment(compiled, empty, { project: "p" });
    const summary = await applyPlan(plan, new RateLimitedCaller(api, { rate: 1000 }), { versionRemark: "t" });
    expect(summary.failed.map((f) => [f.key, f.code])).toEqual([["w/a", "InvalidParameterValue"]]);
    expect(summary.skipped.map((s) => s.step).sort()).toEqual([
      "create task w/b",
      "create task w/c",
      "submit task w/a",
      "submit task w/b",
      "submit task w/c",
    ]);
    expect(
      calls
        .filter((x) => x.action === "CreateTriggerTask")
        .map((x) => x.name)
        .sort(),
    ).toEqual(["a", "d"]);
    expect(summary.created).toBe(2);
    expect(summary.submitted).toBe(1);
  });

  it("a plan whose task depends on a task the plan does not hold is refused before any call", async () => {
    const { api, calls } = fakeApi([]);
    const plan = planDeployment(compiled, empty, { project: "p" });
    const broken = { ...plan, tasks: plan.tasks.map((t) => (t.key === "w/b" ? { ...t, dependsOn: ["w/ghost"] } : t)) };
    await expect(applyPlan(broken, new RateLimitedCaller(api, { rate: 1000 }), { versionRemark: "t" })).rejects.toThrow(
      /task w\/b depends on w\/ghost, which the plan does not hold/,
    );
    expect(calls).toEqual([]);
  });
});

describe("creates that fail: a lookup, not a guess about the code", () => {
  it(
    "a task create refused with any code adopts the task of that name when it is there (list lag " + "tolerated)",
    async () => {
      const calls: string[] = [];
      let lists = 0;
      const api: WedataApi = {
        async call(action, request) {
          const r = request as Record<string, any>;
          calls.push(action);
          if (action === "CreateTriggerWorkflow") return { Data: { WorkflowId: "wf-1" } } as never;
          if (action === "CreateTriggerTask")
            throw new ApiCallError(action, "FailedOperation", "name taken", "r", false);
          if (action === "ListTriggerTasks") {
            // The first lookup lags behind; the second sees the task.
            lists++;
            return {
              Data: {
                Items: lists < 2 ? [] : [{ TaskId: "20260000000000001", TaskName: r.TaskName, WorkflowId: "wf-1" }],
                TotalCount: lists < 2 ? 0 : 1,
                TotalPageNumber: 1,
              },
            } as never;
          }
          if (action === "GetTriggerTask")
            return {
              Data: {
                TriggerTaskBaseAttribute: { OwnerUin: "1" },
                TriggerTaskConfiguration: { TaskExtConfigurationList: [] },
                TriggerTaskSchedulerConfiguration: {},
              },
            } as never;
          if (action.startsWith("List")) return { Data: { Items: [], TotalPageNumber: 1 } } as never;
          return { Data: { Status: true, VersionId: "v" } } as never;
        },
      };
      const one = compileProject({
        root: "/x",
        modules: [
          { file: "/x/p.ts", exports: { w: workflow("w", { folder: "/" }).tasks(task("dup").shell({ inline: "x" })) } },
        ],
        target,
        readFile: () => Buffer.alloc(0),
      });
      const summary = await applyPlan(
        planDeployment(one, empty, { project: "p" }),
        new RateLimitedCaller(api, { rate: 1000, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } }),
        { versionRemark: "t" },
      );
      expect(summary.failed).toEqual([]);
      expect(summary.adopted).toBe(1);
      expect(calls.filter((c) => c === "CreateTriggerTask")).toHaveLength(1);
      expect(calls).toContain("UpdateTriggerTask");
    },
  );

  it("a folder create refused with ResourceInUse is looked up, not retried blindly", async () => {
    const calls: string[] = [];
    const api: WedataApi = {
      async call(action, request) {
        const r = request as Record<string, any>;
        calls.push(action);
        if (action === "CreateWorkflowFolder") throw new ApiCallError(action, "ResourceInUse", "busy", "r", false);
        if (action === "ListWorkflowFolders")
          return {
            Data: {
              Items: [{ FolderPath: `/${"etl"}` }],
              TotalPageNumber: 1,
              TotalCount: 1,
              ...(r.ParentFolderPath !== "/" && { Items: [] }),
            },
          } as never;
        if (action === "CreateTriggerWorkflow") return { Data: { WorkflowId: "wf-1" } } as never;
        if (action === "CreateTriggerTask") return { Data: { TaskId: "20260000000000002" } } as never;
        if (action.startsWith("List")) return { Data: { Items: [], TotalPageNumber: 1 } } as never;
        return { Data: { Status: true, VersionId: "v" } } as never;
      },
    };
    const inFolder = compileProject({
      root: "/x",
      modules: [
        { file: "/x/p.ts", exports: { w: workflow("w", { folder: "/etl" }).tasks(task("a").shell({ inline: "x" })) } },
      ],
      target,
      readFile: () => Buffer.alloc(0),
    });
    const summary = await applyPlan(
      planDeployment(inFolder, empty, { project: "p" }),
      new RateLimitedCaller(api, { rate: 1000 }),
      { versionRemark: "t" },
    );
    expect(summary.failed).toEqual([]);
    expect(calls.filter((c) => c === "CreateWorkflowFolder")).toHaveLength(1);
    expect(calls).toContain("ListWorkflowFolders");
  });
});
