/**
 * The planner is a pure function: compiled project x remote state -> plan. One row per kind of change,
 * with hand-built remote states (no emulator, no I/O).
 */
import { compileProject, parsePlaceholder, type CompiledProject } from "@wedata-kit/compiler";
import { task, workflow, type WorkflowBuilder } from "@wedata-kit/dsl";
import { describe, expect, it } from "vitest";
import { guardDeletions } from "./deletions.js";
import { OWNER_EXT_KEY, workflowMark } from "./ownership.js";
import { planDeployment, type Plan } from "./plan.js";
import type { RemoteState, RemoteTaskRecord, RemoteWorkflow } from "./remote.js";
import type { RemoteTask } from "./sdk-client.js";

const PROJECT = "p";
const target = { name: "dev", projectId: "1", region: "ap-guangzhou", projectIdentifier: "proj" };
const compile = (...ws: WorkflowBuilder[]): CompiledProject =>
  compileProject({
    root: "/nowhere",
    modules: [{ file: "/nowhere/p.ts", exports: Object.fromEntries(ws.map((w, i) => [`w${i}`, w])) }],
    target,
    readFile: () => Buffer.alloc(0),
  });

/** The remote state as if `compiled` had been deployed by project `owner` (ids `wf:<name>` and `t:<key>`). */
function deployed(compiled: CompiledProject, owner: string | null = PROJECT): RemoteState {
  const wfId = (name: string) => `wf:${name}`;
  const taskId = (key: string) => `t:${key}`;
  const resolve = (v: unknown): unknown => {
    if (typeof v === "string") {
      const r = parsePlaceholder(v);
      return r ? (r.kind === "workflow" ? wfId(r.key) : taskId(r.key)) : v;
    }
    if (Array.isArray(v)) return v.map(resolve);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    return v;
  };
  const workflows: RemoteWorkflow[] = compiled.workflows.map((w) => ({
    id: wfId(w.name),
    name: w.name,
    folder: w.folder ?? "/",
    detail: {
      ...(resolve(w.payload) as object),
      BundleInfo: owner !== null ? workflowMark(owner) : null,
      Path: `${w.folder === "/" ? "" : w.folder}/${w.name}`,
    } as RemoteWorkflow["detail"],
    ...(owner !== null && { owner }),
  }));
  const tasks: RemoteTaskRecord[] = compiled.tasks.map((t) => {
    const p = resolve(t.payload) as typeof t.payload;
    const ext = [
      ...(p.TriggerTaskConfiguration.TaskExtConfigurationList ?? []),
      ...(owner !== null ? [{ ParamKey: OWNER_EXT_KEY, ParamValue: owner }] : []),
    ];
    const task = {
      TriggerTaskBaseAttribute: {
        ...p.TriggerTaskBaseAttribute,
        TaskId: taskId(t.key),
        TaskTypeId: Number(p.TriggerTaskBaseAttribute.TaskTypeId),
      },
      TriggerTaskConfiguration: { ...p.TriggerTaskConfiguration, TaskExtConfigurationList: ext },
      TriggerTaskSchedulerConfiguration: p.TriggerTaskSchedulerConfiguration,
    } as unknown as RemoteTask;
    return {
      id: taskId(t.key),
      workflowId: wfId(t.workflow),
      name: t.name,
      typeId: Number(p.TriggerTaskBaseAttribute.TaskTypeId),
      version: "V1",
      updated: "2026-11-28 00:00:00",
      submitted: true,
      task,
      read: true,
      ...(owner !== null && { owner }),
    };
  });
  return { projectId: "1", workflows, tasks, workflowFolders: new Set(["/", "/f", "/g"]), taskFolders: new Set() };
}

const byKey = (plan: Plan) => Object.fromEntries(plan.tasks.map((t) => [t.key, t]));
const ops = (plan: Plan) =>
  Object.fromEntries([...plan.workflows.map((w) => [w.name, w.op]), ...plan.tasks.map((t) => [t.key, t.op])]);

const a = task("a").shell({ inline: "echo a" });
const b = task("b").shell({ inline: "echo b" }).after(a);
const c = task("c").shell({ inline: "echo c" }).after(b);
const base = workflow("w", { folder: "/f" }).tasks(a, b, c);

describe("planDeployment (pure)", () => {
  it("plans nothing when the remote is what the code says", () => {
    const plan = planDeployment(compile(base), deployed(compile(base)), { project: PROJECT });
    expect(Object.values(ops(plan)).every((o) => o === "noop")).toBe(true);
    expect(plan.tasks.some((t) => t.submit)).toBe(false);
  });

  it("a kind change is a replace; its dependents detach from the old id and follow the new one", () => {
    const next = workflow("w", { folder: "/f" }).tasks(
      a,
      task("b").python({ inline: "print(1)" }).after(a),
      task("c").shell({ inline: "echo c" }).after("b"),
    );
    const plan = planDeployment(compile(next), deployed(compile(base)), { project: PROJECT });
    const t = byKey(plan);
    expect(t["w/b"]!.op).toBe("replace");
    expect(t["w/b"]!.fields).toEqual([{ path: "TaskTypeId", from: "Shell (35)", to: "Python (30)" }]);
    expect(t["w/c"]!.op).toBe("update");
    const c = t["w/c"]!;
    expect(c.op === "update" && c.detach).toEqual(["t:w/b"]);
  });

  it("a workflow that moved folder is replaced, with its tasks", () => {
    const moved = workflow("w", { folder: "/g" }).tasks(a, b, c);
    const plan = planDeployment(compile(moved), deployed(compile(base)), { project: PROJECT });
    expect(plan.workflows[0]).toMatchObject({
      op: "replace",
      fields: [{ path: "ParentFolderPath", from: "/f", to: "/g" }],
    });
    expect(plan.tasks.map((t) => t.op)).toEqual(["replace", "replace", "replace"]);
  });

  it("a task moved to another existing workflow names both workflows and its dependency change", () => {
    const other = workflow("v", { folder: "/f" }).tasks(task("x").shell({ inline: "x" }));
    const before = compile(base, other);
    const after = compile(
      workflow("w", { folder: "/f" }).tasks(a, b),
      workflow("v", { folder: "/f" }).tasks(task("x").shell({ inline: "x" }), task("c").shell({ inline: "echo c" })),
    );
    const plan = planDeployment(after, deployed(before), { project: PROJECT });
    const moved = byKey(plan)["v/c"]!;
    expect(moved).toMatchObject({ op: "replace", id: "t:w/c", fromKey: "w/c" });
    expect(moved.fields).toEqual([
      { path: "Workflow", from: "w", to: "v" },
      { path: "Upstream", from: ["b"], to: [] },
    ]);
  });

  it("a rename updates in place (same id); the old name is not pruned", () => {
    const renamed = workflow("w", { folder: "/f" }).tasks(
      a,
      task("b2").shell({ inline: "echo b" }).after(a).renamedFrom("b"),
      task("c").shell({ inline: "echo c" }).after("b2"),
    );
    const plan = planDeployment(compile(renamed), deployed(compile(base)), { project: PROJECT });
    const t = byKey(plan);
    expect(t["w/b2"]).toMatchObject({ op: "update", id: "t:w/b", reason: 'renamed from "b", in place (same TaskId)' });
    expect(t["w/b2"]!.fields).toContainEqual({ path: "TaskName", from: "b", to: "b2" });
    expect(plan.prune.tasks).toEqual([]);
    // The old name gone remotely: renamedFrom is a no-op.
    const again = planDeployment(compile(renamed), deployed(compile(renamed)), { project: PROJECT });
    expect(byKey(again)["w/b2"]!.op).toBe("noop");
  });

  it("prune lists only what this project owns; anything else in a managed workflow is left alone", () => {
    const remote = deployed(compile(base));
    const foreign = deployed(
      compile(workflow("w", { folder: "/f" }).tasks(task("hand_made").shell({ inline: "x" }))),
      null,
    ).tasks[0]!;
    const state = { ...remote, tasks: [...remote.tasks, foreign] };
    const plan = planDeployment(compile(workflow("w", { folder: "/f" }).tasks(a, b)), state, { project: PROJECT });
    expect(plan.prune.tasks.map((t) => t.key)).toEqual(["w/c"]);
    expect(plan.unmanaged).toEqual(["w/hand_made"]);
  });

  it("a task another project owns is flagged, never silently taken over", () => {
    const plan = planDeployment(compile(base), deployed(compile(base), "other-team"), { project: PROJECT });
    expect(plan.tasks.every((t) => t.ownedBy === "other-team")).toBe(true);
  });

  it("pending deletions: a whole workflow is held back unless named; a mass deletion needs confirming", () => {
    const plan = planDeployment(
      compile(workflow("v", { folder: "/f" }).tasks(task("x").shell({ inline: "x" }))),
      deployed(compile(base)),
      { project: PROJECT },
    );
    expect(plan.prune.workflows.map((w) => w.name)).toEqual(["w"]);
    const held = guardDeletions(plan, { allowDelete: [], deployedTasks: 3 });
    expect(held.wholeWorkflows).toEqual([{ name: "w", tasks: 3, declared: false, allowed: false }]);
    expect(held.plan.prune).toEqual({ workflows: [], tasks: [] });
    const named = guardDeletions(plan, { allowDelete: ["w"], deployedTasks: 3 });
    expect(named.plan.prune.tasks).toHaveLength(3);
    expect(named.refusal).toMatch(/deletes 3 task\(s\), 100% of the 3/);
    expect(
      guardDeletions(plan, { allowDelete: ["w"], deployedTasks: 3, allowMassDelete: true }).refusal,
    ).toBeUndefined();
  });

  it("shows dependencies by task name and enum numbers with their labels", () => {
    const next = workflow("w", { folder: "/f" }).tasks(
      a,
      b,
      task("c").shell({ inline: "echo c" }).after(a).priority("high"),
    );
    const plan = planDeployment(compile(next), deployed(compile(base)), { project: PROJECT });
    expect(byKey(plan)["w/c"]!.fields).toEqual(
      expect.arrayContaining([
        { path: "RunPriorityType", from: "low (6)", to: "high (4)" },
        { path: "UpstreamDependencyConfigList", from: ["b"], to: ["a"] },
      ]),
    );
  });
});
