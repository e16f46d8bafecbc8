/** The apply DAG with a fake API: a failure skips exactly its dependents, and a plan naming an unknown step is an error. */
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
      if (action === "CreateTriggerTask" && failing.includes(name)) throw new ApiCallError(action, "InvalidParameterValue", `refused ${name}`, "req-1", false);
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
const compiled = compileProject({ root: "/x", modules: [{ file: "/x/p.ts", exports: { w: workflow("w", { folder: "/" }).tasks(a, b, c, d) } }], target, readFile: () => Buffer.alloc(0) });
const empty = { projectId: "1", workflows: [], tasks: [], workflowFolders: new Set(["/"]), taskFolders: new Set<string>() };

describe("applyPlan's DAG", () => {
  it("a failed step skips exactly what depends on it; independent steps go on", async () => {
    const { api, calls } = fakeApi(["a"]);
    const plan = planDeployment(compiled, empty, { project: "p" });
    const summary = await applyPlan(plan, new RateLimitedCaller(api, { rate: 1000 }), { versionRemark: "t" });
    expect(summary.failed.map((f) => [f.key, f.code])).toEqual([["w/a", "InvalidParameterValue"]]);
    expect(summary.skipped.map((s) => s.step).sort()).toEqual(["create task w/b", "create task w/c", "submit task w/a", "submit task w/b", "submit task w/c"]);
    expect(calls.filter((x) => x.action === "CreateTriggerTask").map((x) => x.name).sort()).toEqual(["a", "d"]);
    expect(summary.created).toBe(2);
    expect(summary.submitted).toBe(1);
  });

  it("a plan whose task depends on a task the plan does not hold is refused before any call", async () => {
    const { api, calls } = fakeApi([]);
    const plan = planDeployment(compiled, empty, { project: "p" });
    const broken = { ...plan, tasks: plan.tasks.map((t) => (t.key === "w/b" ? { ...t, dependsOn: ["w/ghost"] } : t)) };
    await expect(applyPlan(broken, new RateLimitedCaller(api, { rate: 1000 }), { versionRemark: "t" })).rejects.toThrow(/task w\/b depends on w\/ghost, which the plan does not hold/);
    expect(calls).toEqual([]);
  });
});
