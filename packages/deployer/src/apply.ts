import { findCycle, sleep, type TaskPayload, type WorkflowPayload } from "@wedata-kit/compiler";
import type { SourceLocation } from "@wedata-kit/dsl";
import type { RateLimitedCaller } from "./caller.js";
import { ApiCallError } from "./errors.js";
import { OWNER_EXT_KEY, workflowMark } from "./ownership.js";
import {
  resolveRefs,
  type Plan,
  type TaskDelete,
  type TaskInPlace,
  type TaskReplace,
  type WorkflowChange,
} from "./plan.js";
import type { Action, RemoteTask, RequestOf, ResponseOf } from "./sdk-client.js";
import { listAll, parentOf } from "./remote.js";
import { must } from "@wedata-kit/dsl";

export interface ApplyOptions {
  /** Also apply `plan.prune` (deletions of owned resources that left the code). */
  readonly prune?: boolean;
  /** `VersionRemark` of every submit. */
  readonly versionRemark: string;
  readonly onEvent?: (event: ApplyEvent) => void;
  /** How long lists lag behind creates on this target (doctor's finding): a lookup after a failed create waits it
   * first. */
  readonly listLagMs?: number;
}

export interface StepInfo {
  readonly id: string;
  readonly action: Action;
  readonly label: string;
}

export type ApplyEvent =
  | { readonly type: "start" | "done"; readonly step: StepInfo; readonly detail?: string }
  | { readonly type: "failed"; readonly step: StepInfo; readonly error: ApiCallError | Error }
  | { readonly type: "skipped"; readonly step: StepInfo; readonly because: string };

export interface ApplyFailure {
  readonly step: string;
  readonly action: Action;
  readonly key: string;
  readonly code?: string;
  readonly message: string;
  readonly requestId?: string;
  readonly loc?: SourceLocation;
}

export interface ApplySummary {
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  readonly submitted: number;
  readonly adopted: number;
  readonly failed: readonly ApplyFailure[];
  readonly skipped: readonly { readonly step: string; readonly because: string }[];
  /** Keys of the tasks created or updated (what the deploy state records as applied). */
  readonly written: readonly string[];
  /** Ids after apply, by logical key. */
  readonly ids: {
    readonly workflows: Readonly<Record<string, string>>;
    readonly tasks: Readonly<Record<string, string>>;
  };
}

interface Step extends StepInfo {
  readonly deps: readonly string[];
  readonly key: string;
  readonly loc?: SourceLocation;
  readonly count?: "created" | "updated" | "deleted" | "submitted";
  // biome-ignore lint/suspicious/noConfusingVoidType: a step may report a detail (a new id) or nothing
  run(): Promise<string | void>;
}

class Skipped extends Error {}

const baseName = (p: string) => p.slice(p.lastIndexOf("/") + 1);

/**
 * Apply a plan: the only effectful step. Every call goes through the rate-limited caller; each step
 * starts as soon as the steps it needs have finished, so the pipe stays full; a failure skips only
 * what depends on it.
 */
export async function applyPlan(plan: Plan, caller: RateLimitedCaller, options: ApplyOptions): Promise<ApplySummary> {
  const ProjectId = plan.target.projectId;
  const replaced = new Set(plan.tasks.filter((t) => t.op === "replace").map((t) => t.key));
  const workflowIds = new Map(Object.entries(plan.remoteIds.workflows));
  for (const w of plan.workflows) if (w.op === "replace") workflowIds.delete(w.name);
  const taskIds = new Map(Object.entries(plan.remoteIds.tasks).filter(([k]) => !replaced.has(k)));
  const ids = { workflows: workflowIds, tasks: taskIds };
  let adopted = 0;
  const written: string[] = [];

  const resolve = <T>(value: T, what: string): T => {
    const out = resolveRefs(value, ids);
    const unresolved = JSON.stringify(out).match(/\(new id of [^)]+\)/);
    if (unresolved) throw new Error(`${what}: ${unresolved[0]} is not known; its create did not finish`);
    return out;
  };

  const steps = new Map<string, Step>();
  const add = (s: Step) => steps.set(s.id, s);
  const has = (id: string) => steps.has(id);

  // Folders, parents first.
  for (const f of plan.folders) {
    if (f.kind === "workflowFolder") {
      add({
        id: `wf-folder:${f.path}`,
        action: "CreateWorkflowFolder",
        key: f.path,
        label: `create workflow folder ${f.path}`,
        deps: plan.folders.some((g) => g.kind === "workflowFolder" && g.path === parentOf(f.path))
          ? [`wf-folder:${parentOf(f.path)}`]
          : [],
        run: () =>
          ensureFolder(
            caller,
            "CreateWorkflowFolder",
            { ProjectId, ParentFolderPath: parentOf(f.path), FolderName: baseName(f.path) },
            () => workflowFolderExists(caller, ProjectId, parentOf(f.path), baseName(f.path)),
          ),
      });
    } else {
      const parent = parentOf(f.path);
      add({
        id: `task-folder:${f.workflow}|${f.type}|${f.path}`,
        action: "CreateTaskFolder",
        key: `${f.workflow}${f.path}`,
        label: `create ${f.type} task folder ${f.path} in ${f.workflow}`,
        deps: [`workflow:${f.workflow}`, `task-folder:${f.workflow}|${f.type}|${parent}`],
        run: () => {
          const WorkflowId = workflowIds.get(f.workflow);
          if (WorkflowId === undefined) throw new Error(`workflow ${f.workflow} has no id: its create did not finish`);
          const where = { ProjectId, WorkflowId, TaskFolderType: f.type, ParentTaskFolderPath: parent };
          return ensureFolder(caller, "CreateTaskFolder", { ...where, TaskFolderName: baseName(f.path) }, () =>
            taskFolderExists(caller, where, baseName(f.path)),
          );
        },
      });
    }
  }

  const taskDeletes: Array<TaskReplace | TaskDelete> = [
    ...plan.tasks.filter((t): t is TaskReplace => t.op === "replace"),
    ...(options.prune ? plan.prune.tasks : []),
  ];
  const deleteStepOfId = new Map(taskDeletes.map((t) => [t.id, `task-delete:${t.key}`]));
  const inPlace = plan.tasks.filter((t): t is TaskInPlace => t.op === "update" || t.op === "noop");

  // Workflows.
  const workflowChanges: WorkflowChange[] = [...plan.workflows, ...(options.prune ? plan.prune.workflows : [])];
  for (const w of workflowChanges) {
    const inIt = taskDeletes.filter((t) => t.workflow === w.name).map((t) => `task-delete:${t.key}`);
    if (w.op === "delete" || w.op === "replace") {
      add({
        id: `workflow-delete:${w.name}`,
        action: "DeleteTriggerWorkflow",
        key: w.name,
        label: `delete workflow ${w.name}`,
        deps: inIt,
        count: w.op === "delete" ? "deleted" : undefined,
        ...(w.loc && { loc: w.loc }),
        run: () => deleteIdempotent(caller, "DeleteTriggerWorkflow", { ProjectId, WorkflowId: w.id }),
      });
    }
    if (w.op === "create" || w.op === "replace") {
      const payload = w.payload;
      add({
        id: `workflow:${w.name}`,
        action: "CreateTriggerWorkflow",
        key: w.name,
        label: `create workflow ${w.name}`,
        count: "created",
        ...(w.loc && { loc: w.loc }),
        deps: [...(w.op === "replace" ? [`workflow-delete:${w.name}`] : []), `wf-folder:${payload.ParentFolderPath}`],
        run: async () => {
          const body = withWorkflowMark(payload, plan.project);
          // CreateTriggerWorkflow's TriggerMode takes TIME_TRIGGER only (UpdateTriggerWorkflow also takes
          // FILE_ARRIVAL): a file-arrival workflow is created without its trigger, then given it by an update.
          const fileArrival =
            body.TriggerMode === "FILE_ARRIVAL" ||
            (body.TriggerWorkflowSchedulerConfigurations ?? []).some((c) => c.TriggerMode === "FILE_ARRIVAL");
          const { TriggerMode: _mode, TriggerWorkflowSchedulerConfigurations: _configs, ...untriggered } = body;
          const createBody = fileArrival ? untriggered : body;
          const { id, how } = await createWithAdoption(
            caller,
            "CreateTriggerWorkflow",
            createBody,
            async () => {
              const found = await listAll<{ WorkflowName?: string; WorkflowId?: string }>(
                (PageNumber) =>
                  caller
                    .call(
                      "ListTriggerWorkflows",
                      {
                        ProjectId,
                        Keyword: payload.WorkflowName,
                        ParentFolderPath: payload.ParentFolderPath,
                        PageNumber,
                        PageSize: 200,
                      },
                      { retryAmbiguous: true },
                    )
                    .then((r) => r.Data),
                "ListTriggerWorkflows",
              );
              return found.find((x) => x.WorkflowName === payload.WorkflowName)?.WorkflowId;
            },
            (r) => r.Data?.WorkflowId,
            options.listLagMs,
          );
          if (how === "duplicate" || fileArrival)
            await caller.call("UpdateTriggerWorkflow", workflowUpdateBody(ProjectId, id, body), {
              retryAmbiguous: true,
            });
          if (how !== "created") adopted++;
          workflowIds.set(w.name, id);
          return how === "created" ? id : `${id} (adopted)`;
        },
      });
    } else if (w.op === "update") {
      add({
        id: `workflow:${w.name}`,
        action: "UpdateTriggerWorkflow",
        key: w.name,
        label: `update workflow ${w.name}`,
        deps: [],
        count: "updated",
        ...(w.loc && { loc: w.loc }),
        run: async () =>
          void (await caller.call(
            "UpdateTriggerWorkflow",
            workflowUpdateBody(ProjectId, w.id, withWorkflowMark(w.payload, plan.project)),
            { retryAmbiguous: true },
          )),
      });
    }
  }

  // Detach dependents from tasks about to be deleted.
  for (const t of inPlace) {
    const detach = t.detach;
    if (!detach?.length) continue;
    add({
      id: `detach:${t.key}`,
      action: "UpdateTriggerTaskPartially",
      key: t.key,
      label: `detach ${t.key} from ${detach.join(", ")}`,
      deps: [],
      ...(t.loc && { loc: t.loc }),
      run: async () =>
        void (await caller.call(
          "UpdateTriggerTaskPartially",
          {
            ProjectId,
            TaskId: t.id,
            FieldToRemoveList: [`TaskSchedulerConfiguration/UpstreamDependencyConfigList:${detach.join(",")}`],
          },
          { retryAmbiguous: true },
        )),
    });
  }

  // Deletes, downstream first.
  for (const t of taskDeletes) {
    // WeData refuses to delete a task that still has downstream tasks: first every detach, and every
    // update that drops its dependency on this task (a -> b -> c, b removed, c now after a).
    const detachers = [
      ...inPlace.filter((x) => x.detach?.includes(t.id)).map((x) => `detach:${x.key}`),
      // (A replaced task's dependents are detached instead: their update waits for its new id.)
      ...(t.op === "delete"
        ? inPlace.filter((x) => x.op === "update" && x.remoteUpstreamIds?.includes(t.id)).map((x) => `task:${x.key}`)
        : []),
    ];
    const below = (t.downstreamIds ?? [])
      .map((id) => deleteStepOfId.get(id))
      .filter((x): x is string => x !== undefined);
    add({
      id: `task-delete:${t.key}`,
      action: "DeleteTriggerTask",
      key: (t.op === "replace" && t.fromKey) || t.key,
      label: `delete task ${(t.op === "replace" && t.fromKey) || t.key}`,
      deps: [...detachers, ...below],
      count: t.op === "delete" ? "deleted" : undefined,
      ...(t.loc && { loc: t.loc }),
      run: () => deleteIdempotent(caller, "DeleteTriggerTask", { ProjectId, TaskId: t.id }),
    });
  }

  // Task creates and updates: after their workflow, folder, and every upstream that gets a new id.
  const byKey = new Map(plan.tasks.map((t) => [t.key, t]));
  // A dependency on a task the plan does not hold is a defect of the plan: refused before any call.
  const knownWorkflows = new Set(plan.workflows.map((w) => w.name));
  for (const t of plan.tasks) {
    for (const k of t.dependsOn)
      if (!byKey.has(k))
        throw new Error(
          `internal error: task ${t.key} depends on ${k}, which the plan does not hold; nothing was applied`,
        );
    for (const w of t.needsWorkflows)
      if (!knownWorkflows.has(w))
        throw new Error(
          `internal error: task ${t.key} needs workflow ${w}, which the plan does not hold; nothing was applied`,
        );
  }
  for (const t of plan.tasks) {
    if (t.op === "noop") continue;
    const folder = t.payload.TriggerTaskBaseAttribute.TaskFolderPath;
    const deps = [
      `workflow:${t.workflow}`,
      ...t.needsWorkflows.map((w) => `workflow:${w}`),
      ...(folder && folder !== "/" ? [`task-folder:${t.workflow}|${t.folderType}|${folder}`] : []),
      ...t.dependsOn.filter((k) => ["create", "replace"].includes(byKey.get(k)?.op ?? "")).map((k) => `task:${k}`),
      ...(t.op === "replace" ? [`task-delete:${t.key}`] : []),
    ];
    if (t.op === "create" || t.op === "replace") {
      add({
        id: `task:${t.key}`,
        action: "CreateTriggerTask",
        key: t.key,
        label: `create task ${t.key}`,
        deps,
        count: "created",
        ...(t.loc && { loc: t.loc }),
        run: async () => {
          const body = withTaskMark(resolve(t.payload, t.key), plan.project);
          const WorkflowId = body.TriggerTaskBaseAttribute.WorkflowId;
          const { id, how } = await createWithAdoption(
            caller,
            "CreateTriggerTask",
            body,
            async () => {
              const found = await listAll<{ TaskName?: string; WorkflowId?: string; TaskId?: string }>(
                (PageNumber) =>
                  caller
                    .call(
                      "ListTriggerTasks",
                      { ProjectId, WorkflowId, TaskName: t.name, PageNumber, PageSize: 200 },
                      { retryAmbiguous: true },
                    )
                    .then((r) => r.Data),
                "ListTriggerTasks",
              );
              return found.find((x) => x.TaskName === t.name && x.WorkflowId === WorkflowId)?.TaskId;
            },
            (r) => r.Data?.TaskId,
            options.listLagMs,
          );
          if (how === "duplicate") {
            // Adopted: whatever keys it has that the code does not set are kept (they are not known to be ours).
            const current = (await caller.call("GetTriggerTask", { ProjectId, TaskId: id }, { retryAmbiguous: true }))
              .Data!;
            await caller.call(
              "UpdateTriggerTask",
              taskUpdateBody(
                ProjectId,
                id,
                body,
                keptFrom(current, body, []),
                current.TriggerTaskBaseAttribute.OwnerUin,
              ),
              { retryAmbiguous: true },
            );
          }
          if (how !== "created") adopted++;
          taskIds.set(t.key, id);
          written.push(t.key);
          return how === "created" ? id : `${id} (adopted)`;
        },
      });
    } else {
      add({
        id: `task:${t.key}`,
        action: "UpdateTriggerTask",
        key: t.key,
        label: `update task ${t.key}`,
        deps: [...deps, ...(t.detach?.length ? [`detach:${t.key}`] : [])],
        count: "updated",
        ...(t.loc && { loc: t.loc }),
        run: async () => {
          const body = withTaskMark(resolve(t.payload, t.key), plan.project);
          // A full update replaces the extension list: the server's own keys are sent back as read. A task
          // the plan did not read (known from the deploy state) is read now, for them.
          let keep = t.keepExt;
          let ownerUin = t.remoteOwnerUin;
          if (keep === undefined) {
            const current = (await caller.call("GetTriggerTask", { ProjectId, TaskId: t.id }, { retryAmbiguous: true }))
              .Data!;
            keep = keptFrom(current, body, t.dropExt ?? []);
            ownerUin = current.TriggerTaskBaseAttribute.OwnerUin ?? ownerUin;
          }
          await caller.call("UpdateTriggerTask", taskUpdateBody(ProjectId, t.id, body, keep, ownerUin), {
            retryAmbiguous: true,
          });
          written.push(t.key);
        },
      });
    }
  }

  // Submits, upstream first.
  for (const t of plan.tasks) {
    if (!t.submit) continue;
    add({
      id: `submit:${t.key}`,
      action: "SubmitTriggerTask",
      key: t.key,
      label: `submit task ${t.key}`,
      count: "submitted",
      ...(t.loc && { loc: t.loc }),
      deps: [`task:${t.key}`, ...t.dependsOn.filter((k) => byKey.get(k)?.submit).map((k) => `submit:${k}`)],
      run: async () => {
        const r = await caller.call(
          "SubmitTriggerTask",
          { ProjectId, TaskId: must(taskIds.get(t.key), "taskIds entry"), VersionRemark: options.versionRemark },
          { retryAmbiguous: true },
        );
        return r.Data?.VersionId;
      },
    });
  }

  // A cycle among the steps would wait forever: it is a defect of the plan, refused before any call.
  const cycle = findCycle([...steps.keys()].sort(), (id) => must(steps.get(id), "steps entry").deps.filter(has));
  if (cycle)
    throw new Error(
      `internal error: the deploy steps wait on each other in a cycle (${cycle.join(" -> ")}); nothing was applied`,
    );

  // Run the DAG: each step waits only for its own dependencies.
  const promises = new Map<string, Promise<void>>();
  const failed: ApplyFailure[] = [];
  const skipped: { step: string; because: string }[] = [];
  const counts = { created: 0, updated: 0, deleted: 0, submitted: 0 };
  const run = (id: string): Promise<void> => {
    const existing = promises.get(id);
    if (existing) return existing;
    const step = must(steps.get(id), "steps entry");
    const p = (async () => {
      const deps = step.deps.filter(has);
      const results = await Promise.allSettled(deps.map(run));
      const bad = deps[results.findIndex((r) => r.status === "rejected")];
      if (bad !== undefined) {
        skipped.push({ step: step.label, because: must(steps.get(bad), "steps entry").label });
        options.onEvent?.({ type: "skipped", step, because: must(steps.get(bad), "steps entry").label });
        throw new Skipped(bad);
      }
      options.onEvent?.({ type: "start", step });
      try {
        const detail = await step.run();
        if (step.count) counts[step.count]++;
        options.onEvent?.({ type: "done", step, ...(detail && { detail }) });
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        failed.push({
          step: step.label,
          action: step.action,
          key: step.key,
          ...(err instanceof ApiCallError && { code: err.code, requestId: err.requestId }),
          message: err.message,
          ...(step.loc && { loc: step.loc }),
        });
        options.onEvent?.({ type: "failed", step, error: err });
        throw err;
      }
    })();
    promises.set(id, p);
    return p;
  };
  await Promise.allSettled([...steps.keys()].map(run));
  return {
    ...counts,
    adopted,
    failed,
    skipped,
    written,
    ids: { workflows: Object.fromEntries(workflowIds), tasks: Object.fromEntries(taskIds) },
  };
}

function withTaskMark(p: TaskPayload, project: string): TaskPayload {
  const ext = (p.TriggerTaskConfiguration.TaskExtConfigurationList ?? []).filter((e) => e.ParamKey !== OWNER_EXT_KEY);
  return {
    ...p,
    TriggerTaskConfiguration: {
      ...p.TriggerTaskConfiguration,
      TaskExtConfigurationList: [...ext, { ParamKey: OWNER_EXT_KEY, ParamValue: project }],
    },
  };
}

function withWorkflowMark(p: WorkflowPayload, project: string): WorkflowPayload {
  return p.BundleInfo === undefined ? { ...p, BundleInfo: workflowMark(project) } : p;
}

function workflowUpdateBody(ProjectId: string, WorkflowId: string, p: WorkflowPayload) {
  const { ProjectId: _p, ParentFolderPath: _f, ...settings } = p;
  return { ProjectId, WorkflowId, ...settings };
}

/** The extension entries of a read task that a full update keeps: not set by the code, not dropped by it. */
function keptFrom(
  current: RemoteTask,
  body: TaskPayload,
  drop: readonly string[],
): Array<{ ParamKey: string; ParamValue: string }> {
  const declared = new Set((body.TriggerTaskConfiguration.TaskExtConfigurationList ?? []).map((e) => e.ParamKey));
  return (current.TriggerTaskConfiguration?.TaskExtConfigurationList ?? [])
    .filter((e) => !declared.has(e.ParamKey) && e.ParamKey !== OWNER_EXT_KEY && !drop.includes(e.ParamKey))
    .map((e) => ({ ParamKey: e.ParamKey, ParamValue: e.ParamValue ?? "" }));
}

/** A full UpdateTriggerTask body: the desired task, plus the extension entries it keeps (the server's). */
function taskUpdateBody(
  ProjectId: string,
  TaskId: string,
  p: TaskPayload,
  keep: ReadonlyArray<{ ParamKey: string; ParamValue: string }>,
  ownerUin: string | undefined,
) {
  const declared = new Set((p.TriggerTaskConfiguration.TaskExtConfigurationList ?? []).map((e) => e.ParamKey));
  const b = p.TriggerTaskBaseAttribute;
  return {
    ProjectId,
    TaskId,
    Task: {
      TriggerTaskBaseAttribute: {
        TaskName: b.TaskName,
        OwnerUin: b.OwnerUin ?? ownerUin ?? "",
        TaskDescription: b.TaskDescription ?? "",
        TaskFolderPath: b.TaskFolderPath ?? "/",
      },
      TriggerTaskConfiguration: {
        ...p.TriggerTaskConfiguration,
        TaskExtConfigurationList: [
          ...(p.TriggerTaskConfiguration.TaskExtConfigurationList ?? []),
          ...keep.filter((e) => !declared.has(e.ParamKey)),
        ],
      },
      TriggerTaskSchedulerConfiguration: p.TriggerTaskSchedulerConfiguration,
    },
  };
}

/**
 * Create a folder. A create that fails with any code (a duplicate, ResourceInUse, ...) is followed by a
 * lookup instead of blind retries: the folder being there is success, whatever the code said.
 */
async function ensureFolder<A extends "CreateWorkflowFolder" | "CreateTaskFolder">(
  caller: RateLimitedCaller,
  action: A,
  body: RequestOf<A>,
  exists: () => Promise<boolean>,
): Promise<void> {
  try {
    await caller.call(action, body, { retryAmbiguous: true, retryCodes: false });
  } catch (e) {
    if (!(e instanceof ApiCallError) || e.code === undefined) throw e;
    if (!(await exists())) throw e;
  }
}

/** Whether a workflow folder exists, by listing its parent. */
async function workflowFolderExists(caller: RateLimitedCaller, ProjectId: string, parent: string, name: string) {
  const items = await listAll<{ FolderPath?: string }>(
    (PageNumber) =>
      caller
        .call("ListWorkflowFolders", { ProjectId, ParentFolderPath: parent, PageNumber, PageSize: 200 }, READ)
        .then((r) => r.Data),
    "ListWorkflowFolders",
  );
  return items.some((f) => f.FolderPath === joinPath(parent, name));
}

/** Whether a task folder exists in a workflow, by listing its parent. */
async function taskFolderExists(
  caller: RateLimitedCaller,
  q: { ProjectId: string; WorkflowId: string; TaskFolderType: string; ParentTaskFolderPath: string },
  name: string,
) {
  const items = await listAll<{ TaskFolderPath?: string }>(
    (PageNumber) => caller.call("ListTaskFolders", { ...q, PageNumber, PageSize: 200 }, READ).then((r) => r.Data),
    "ListTaskFolders",
  );
  return items.some((f) => f.TaskFolderPath === joinPath(q.ParentTaskFolderPath, name));
}

const READ = { retryAmbiguous: true };

const joinPath = (parent: string, name: string) => (parent === "/" ? `/${name}` : `${parent}/${name}`);

async function deleteIdempotent<A extends "DeleteTriggerTask" | "DeleteTriggerWorkflow">(
  caller: RateLimitedCaller,
  action: A,
  body: RequestOf<A>,
): Promise<void> {
  try {
    await caller.call(action, body, { retryAmbiguous: true });
  } catch (e) {
    // A retried delete whose first attempt went through finds nothing: that is success.
    if (e instanceof ApiCallError && e.code === "ResourceNotFound") return;
    throw e;
  }
}

/**
 * Create without ever duplicating: when the outcome is unknown (timeout, reset, InternalError), look
 * the resource up by name before trying again; a DuplicateName answer also adopts the existing one.
 */
async function createWithAdoption<A extends "CreateTriggerTask" | "CreateTriggerWorkflow">(
  caller: RateLimitedCaller,
  action: A,
  body: RequestOf<A>,
  lookup: () => Promise<string | undefined>,
  idOf: (response: ResponseOf<A>) => string | undefined,
  listLagMs = 0,
): Promise<{ id: string; how: "created" | "found" | "duplicate" }> {
  // Each wait before a lookup is at least the list lag doctor measured on this target.
  const wait = (look: number) => sleep(Math.max(caller.backoff(look), listLagMs));
  let last: unknown;
  for (let attempt = 0; attempt < 8; attempt++) {
    try {
      const r = await caller.call(action, body, { retryAmbiguous: false });
      const id = idOf(r);
      if (!id) throw new Error(`${action} answered without an id`);
      return { id, how: "created" };
    } catch (e) {
      if (!(e instanceof ApiCallError)) throw e;
      last = e;
      // Any refusal may be a duplicate (the code that says so is not documented for certain): look the
      // name up, a few times for lists that lag, and adopt what is there; only then is it a refusal.
      if (!e.ambiguous) {
        for (let look = 0; look < 3; look++) {
          const id = await lookup();
          if (id) return { id, how: "duplicate" };
          if (look < 2) await wait(look);
        }
        throw e;
      }
      // The create may have happened: list views can lag, so look a few times before creating again.
      for (let look = 0; look < 3; look++) {
        await wait(look);
        const id = await lookup();
        if (id) return { id, how: "found" };
      }
    }
  }
  const why = last instanceof ApiCallError ? `${last.code ? `[${last.code}] ` : ""}${last.message}` : String(last);
  throw new Error(`${action} did not succeed after 8 attempts; the last error was: ${why}`);
}
