import { WedataKitError } from "@wedata-kit/dsl";
import { createTwoFilesPatch } from "diff/lib/patch/create.js";
import {
  parsePlaceholder,
  type CompiledProject,
  type CompiledTask,
  type TaskPayload,
  type WorkflowPayload,
} from "@wedata-kit/compiler";
import { TASK_KINDS, type SourceLocation, type TaskFolderType } from "@wedata-kit/dsl";
import {
  comparableDesiredTask,
  comparableDesiredWorkflow,
  comparableDigest,
  comparableRemoteTask,
  comparableRemoteWorkflow,
  comparedKeys,
  diffFields,
  ownedKeysOf,
  type FieldChange,
} from "./normalize.js";
import { OWNER_EXT_KEY } from "./ownership.js";
import type { RemoteState, RemoteTaskRecord, RemoteWorkflow } from "./remote.js";
import { must } from "@wedata-kit/dsl";

export type ChangeOp = "create" | "update" | "replace" | "delete" | "noop";

/** What every workflow change has. */
interface WorkflowChangeBase {
  readonly kind: "workflow";
  readonly name: string;
  readonly fields: readonly FieldChange[];
  readonly reason?: string;
  readonly loc?: SourceLocation;
}

/** A workflow the code declares that does not exist remotely. */
export interface WorkflowCreate extends WorkflowChangeBase {
  readonly op: "create";
  readonly managed: true;
  /** CreateTriggerWorkflow body, placeholders unresolved. */
  readonly payload: WorkflowPayload;
  /** The key settings a reviewer needs to see. */
  readonly summary?: Readonly<Record<string, unknown>>;
}

/** A workflow of the project that exists remotely: updated in place, or left as it is. */
export interface WorkflowInPlace extends WorkflowChangeBase {
  readonly op: "update" | "noop";
  readonly managed: true;
  readonly id: string;
  readonly payload: WorkflowPayload;
}

/** An existing workflow the code only places tasks in (`existingWorkflow`): never changed. */
export interface WorkflowExisting extends WorkflowChangeBase {
  readonly op: "noop";
  readonly managed: false;
  readonly id: string;
}

/** A workflow that moved to another folder: deleted (with its tasks), then created. */
export interface WorkflowReplace extends WorkflowChangeBase {
  readonly op: "replace";
  readonly managed: true;
  /** The remote workflow that is deleted. */
  readonly id: string;
  readonly payload: WorkflowPayload;
  readonly summary?: Readonly<Record<string, unknown>>;
}

/** A workflow this project made that left the code (applied only with --prune). */
export interface WorkflowDelete extends WorkflowChangeBase {
  readonly op: "delete";
  readonly managed: true;
  readonly id: string;
}

/** One workflow's part of a plan: each kind of change with exactly its fields. */
export type WorkflowChange = WorkflowCreate | WorkflowInPlace | WorkflowExisting | WorkflowReplace | WorkflowDelete;

/** What every task change has. */
interface TaskChangeBase {
  readonly kind: "task";
  /** Logical key `workflow/task`. */
  readonly key: string;
  readonly workflow: string;
  readonly name: string;
  readonly fields: readonly FieldChange[];
  /** Unified diff of the decoded program, when it changed. */
  readonly codeDiff?: string;
  readonly reason?: string;
  /** Submit after the change (a new version to production). */
  readonly submit: boolean;
  /** Keys this task depends on (upstreams, input sources). */
  readonly dependsOn: readonly string[];
  /** Workflows that must exist first (its own, a Run Workflow target). */
  readonly needsWorkflows: readonly string[];
  /** The remote task carries another wedata-kit project's ownership mark: deploying would take it over. */
  readonly ownedBy?: string;
  readonly folderType?: TaskFolderType;
  readonly loc?: SourceLocation;
}

/** A task the code declares that does not exist remotely. */
export interface TaskCreate extends TaskChangeBase {
  readonly op: "create";
  /** CreateTriggerTask body, placeholders unresolved. */
  readonly payload: TaskPayload;
  /** The key settings a reviewer needs to see. */
  readonly summary?: Readonly<Record<string, unknown>>;
}

/** A task that exists remotely and is updated in place (or left as it is: `noop`). */
export interface TaskInPlace extends TaskChangeBase {
  readonly op: "update" | "noop";
  readonly id: string;
  readonly payload: TaskPayload;
  /** Ids to remove from this task's upstream list before those tasks are deleted. */
  readonly detach?: readonly string[];
  /** The upstream ids the remote task has now (before this plan). */
  readonly remoteUpstreamIds?: readonly string[];
  /**
   * Extension keys a full update sends back as read (the server's own, and any set by others). Absent
   * when the task was not read (known from the deploy state): the update reads it first.
   */
  readonly keepExt?: ReadonlyArray<{ ParamKey: string; ParamValue: string }>;
  /** Extension keys wedata-kit wrote before and the code no longer sets: an update removes them. */
  readonly dropExt?: readonly string[];
  /** The remote was changed outside wedata-kit since the last deploy: who and when, as WeData reports it. */
  readonly drift?: { readonly by?: string; readonly at?: string };
  /** Version and update time the plan's list showed (recorded in the deploy state after an unchanged deploy). */
  readonly seen?: { readonly v: string; readonly u: string };
  /** The remote owner, for `OwnerUin` on a full update. */
  readonly remoteOwnerUin?: string;
}

/** A task that cannot change in place (its kind, or its workflow, changed): deleted, then created. */
export interface TaskReplace extends TaskChangeBase {
  readonly op: "replace";
  /** The remote task that is deleted. */
  readonly id: string;
  readonly payload: TaskPayload;
  readonly summary?: Readonly<Record<string, unknown>>;
  /** For a task moved from another workflow: its key there (what the delete removes). */
  readonly fromKey?: string;
  /** Remote ids of the tasks downstream of it that are deleted too (they go first). */
  readonly downstreamIds?: readonly string[];
}

/** A task this project owns that left the code (applied only with --prune). */
export interface TaskDelete extends TaskChangeBase {
  readonly op: "delete";
  readonly id: string;
  /** Remote ids of the tasks downstream of it that are deleted too (they go first). */
  readonly downstreamIds?: readonly string[];
}

/** One task's part of a plan: each kind of change with exactly its fields. */
export type TaskChange = TaskCreate | TaskInPlace | TaskReplace | TaskDelete;
/** A task the code declares: created, updated in place (or left), or replaced. */
export type PlannedTask = TaskCreate | TaskInPlace | TaskReplace;

export type FolderChange =
  | { readonly kind: "workflowFolder"; readonly path: string }
  | { readonly kind: "taskFolder"; readonly workflow: string; readonly type: TaskFolderType; readonly path: string };

/** A deployment plan: data that can be printed, saved, reviewed and applied. */
export interface Plan {
  readonly version: 1;
  readonly project: string;
  readonly target: { readonly name: string; readonly projectId: string; readonly region: string };
  readonly folders: readonly FolderChange[];
  readonly workflows: readonly WorkflowChange[];
  readonly tasks: readonly PlannedTask[];
  /** Deletions of resources this project owns that left the code; applied only with --prune. */
  readonly prune: { readonly workflows: readonly WorkflowDelete[]; readonly tasks: readonly TaskDelete[] };
  /** Remote tasks in managed workflows that this project does not own: reported, never touched. */
  readonly unmanaged: readonly string[];
  /**
   * The deploy state on the target is missing or behind for some task or workflow of this plan (a first
   * deploy, an earlier wedata-kit, a list that lagged): a deploy records it even when nothing changes.
   */
  readonly stateBehind?: boolean;
  /** Deletions this project would make but cannot without touching what is not its own, with the reason. */
  readonly keptBack?: ReadonlyArray<{ readonly key: string; readonly reason: string }>;
  /** Of those, tasks of kinds wedata-kit does not model (type ids beyond its own), with their type id. */
  readonly unmodelled?: Readonly<Record<string, number>>;
  /** Ids known before apply, by logical key. */
  readonly remoteIds: {
    readonly workflows: Readonly<Record<string, string>>;
    readonly tasks: Readonly<Record<string, string>>;
  };
}

/** The plan cannot be made as the code and the remote stand (duplicates remotely, a name clash, ...). */
export class PlanError extends WedataKitError {
  constructor(message: string) {
    super("E_PLAN", message);
  }
}

export interface PlanOptions {
  /** The project name used in ownership marks. */
  readonly project: string;
  /** Plan submits of unsubmitted and changed tasks (default true). */
  readonly submit?: boolean;
}

const newIdMarker = (key: string) => `(new id of ${key})`;

/** Swap placeholders for known ids; unknown ones become a readable marker. */
export function resolveRefs<T>(
  value: T,
  ids: { workflows: ReadonlyMap<string, string>; tasks: ReadonlyMap<string, string> },
): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      const ref = parsePlaceholder(v);
      if (!ref) return v;
      return (ref.kind === "workflow" ? ids.workflows.get(ref.key) : ids.tasks.get(ref.key)) ?? newIdMarker(ref.key);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

function codeDiffOf(key: string, from: string, to: string): string | undefined {
  if (from === to) return undefined;
  return createTwoFilesPatch(`remote/${key}`, `local/${key}`, from, to, "", "", { context: 3 })
    .split("\n")
    .slice(1)
    .join("\n");
}

/**
 * Compute the plan: desired (compiled) x remote -> changes. Pure: no I/O. Identity is the logical
 * key (workflow name, task name), mapped to remote ids by lookup.
 */
export function planDeployment(compiled: CompiledProject, remote: RemoteState, options: PlanOptions): Plan {
  const submitAll = options.submit !== false;
  const remoteByName = new Map<string, RemoteWorkflow>();
  for (const w of remote.workflows) remoteByName.set(w.name, w);
  const remoteById = new Map(remote.workflows.map((w) => [w.id, w]));
  const tasksByWorkflow = new Map<string, RemoteTaskRecord[]>();
  for (const t of remote.tasks) tasksByWorkflow.set(t.workflowId, [...(tasksByWorkflow.get(t.workflowId) ?? []), t]);

  // Ids shown by name: remote task and workflow ids, and the markers of ids not known before apply.
  const names: IdNames = {
    tasks: new Map(remote.tasks.map((x) => [x.id, x.name])),
    workflows: new Map(remote.workflows.map((w) => [w.id, w.name])),
  };
  const workflowIds = new Map<string, string>();
  const workflows: WorkflowChange[] = [];
  const declaredNames = new Set(compiled.workflows.map((w) => w.name));
  const replacedWorkflows = new Set<string>();
  const remoteOf = new Map<string, RemoteWorkflow>();

  for (const w of compiled.workflows) {
    if (w.existingId !== undefined) {
      const r = remoteById.get(w.existingId);
      if (!r)
        throw new PlanError(
          `workflow "${w.name}" (${w.loc.file}:${w.loc.line}) places tasks in existing workflow ${w.existingId}, ` +
            `which does not exist in project ${compiled.target.projectId}`,
        );
      workflowIds.set(w.name, r.id);
      remoteOf.set(w.name, r);
      workflows.push({ kind: "workflow", op: "noop", name: w.name, id: r.id, fields: [], managed: false, loc: w.loc });
      continue;
    }
    // A rename keeps the workflow: found by its old name when the new one is not there yet.
    const renamed =
      !remoteByName.has(w.name) && w.renamedFrom !== undefined && !declaredNames.has(w.renamedFrom)
        ? remoteByName.get(w.renamedFrom)
        : undefined;
    const r = remoteByName.get(w.name) ?? renamed;
    const payload = w.payload;
    if (!r) {
      workflows.push({
        kind: "workflow",
        op: "create",
        name: w.name,
        fields: [],
        payload,
        managed: true,
        loc: w.loc,
        summary: workflowSummary(payload),
      });
      continue;
    }
    remoteOf.set(w.name, r);
    if (r.folder !== payload.ParentFolderPath) {
      replacedWorkflows.add(w.name);
      workflows.push({
        kind: "workflow",
        op: "replace",
        name: w.name,
        id: r.id,
        fields: [{ path: "ParentFolderPath", from: r.folder, to: payload.ParentFolderPath }],
        reason: "a workflow cannot move to another folder in place",
        payload,
        managed: true,
        loc: w.loc,
      });
      continue;
    }
    workflowIds.set(w.name, r.id);
    const fields = diffFields(
      comparableRemoteWorkflow(r.detail, payload),
      comparableDesiredWorkflow(payload, r.detail),
    ).map((f) => readableField(f, names));
    workflows.push({
      kind: "workflow",
      op: fields.length ? "update" : "noop",
      name: w.name,
      id: r.id,
      fields,
      payload,
      managed: true,
      loc: w.loc,
      ...(renamed && { reason: `renamed from "${w.renamedFrom}", in place` }),
    });
  }

  // Match desired tasks to remote ones by (workflow, name).
  const taskIds = new Map<string, string>();
  const matched = new Map<string, RemoteTaskRecord>();
  const renamedTasks = new Set<string>();
  const consumed = new Set<string>();
  for (const t of compiled.tasks) {
    const r = remoteOf.get(t.workflow);
    if (!r || replacedWorkflows.has(t.workflow)) continue;
    const inWorkflow = tasksByWorkflow.get(r.id) ?? [];
    let same = inWorkflow.filter((x) => x.name === t.name);
    // A rename keeps the task: found by its old name when no task has the new one, and no task of the code claims the
    // old.
    if (
      same.length === 0 &&
      t.renamedFrom !== undefined &&
      !compiled.tasks.some((o) => o.workflow === t.workflow && o.name === t.renamedFrom)
    ) {
      same = inWorkflow.filter((x) => x.name === t.renamedFrom);
      if (same.length === 1) renamedTasks.add(t.key);
    }
    if (same.length > 1)
      throw new PlanError(
        `workflow "${t.workflow}" holds ${same.length} tasks named "${t.name}" ` +
          `(${same.map((x) => x.id).join(", ")}); remove the duplicates in WeData before deploying`,
      );
    if (same[0] && !KNOWN_TYPE_IDS.has(same[0].typeId)) {
      throw new PlanError(
        `workflow "${t.workflow}" holds a task named "${same[0].name}" (${same[0].id}) of a kind wedata-kit does not ` +
          `model (type id ${same[0].typeId}); it is never touched, so give the task of ${t.loc.file}:${t.loc.line} ` +
          `another name`,
      );
    }
    if (same[0]) {
      matched.set(t.key, same[0]);
      consumed.add(same[0].id);
      if (same[0].typeId === Number(t.payload.TriggerTaskBaseAttribute.TaskTypeId)) taskIds.set(t.key, same[0].id);
    }
  }
  // A task that moved to another workflow: an owned remote task of the same name that left the code.
  const moved = new Map<string, RemoteTaskRecord>();
  for (const t of compiled.tasks) {
    if (matched.has(t.key)) continue;
    const candidates = remote.tasks.filter(
      (x) =>
        x.name === t.name &&
        !consumed.has(x.id) &&
        x.owner === options.project &&
        remoteById.get(x.workflowId)?.name !== t.workflow,
    );
    const [only] = candidates;
    if (only && candidates.length === 1) {
      moved.set(t.key, only);
      consumed.add(only.id);
    }
  }

  const ids = { workflows: workflowIds, tasks: taskIds };
  // Dependencies by task name, as a reviewer reads them (remote ids mapped back to names).
  const nameOfId = new Map(remote.tasks.map((x) => [x.id, x.name]));
  const upstreamChange = (r: RemoteTaskRecord, t: CompiledTask): FieldChange | undefined => {
    const before = (r.task.TriggerTaskSchedulerConfiguration?.UpstreamDependencyConfigList ?? [])
      .map((d) => nameOfId.get(d.TaskId) ?? d.TaskId)
      .sort();
    const after = (t.payload.TriggerTaskSchedulerConfiguration.UpstreamDependencyConfigList ?? [])
      .map((d) => (parsePlaceholder(d.TaskId)?.key ?? d.TaskId).slice(t.workflow.length + 1))
      .sort();
    return before.join(",") === after.join(",") ? undefined : { path: "Upstream", from: before, to: after };
  };
  const tasks = new Map<string, PlannedTask>();
  const common = (t: CompiledTask) => ({
    kind: "task" as const,
    key: t.key,
    workflow: t.workflow,
    name: t.name,
    dependsOn: t.dependsOn,
    needsWorkflows: t.needsWorkflows,
    payload: t.payload,
    folderType: t.folderType,
    loc: t.loc,
  });
  const remoteWorkflowOfTask = (t: CompiledTask) => remoteOf.get(t.workflow);
  for (const t of compiled.tasks) {
    const r = matched.get(t.key);
    const inReplacedWorkflow = replacedWorkflows.has(t.workflow)
      ? (tasksByWorkflow.get(remoteWorkflowOfTask(t)?.id ?? "") ?? []).find((x) => x.name === t.name)
      : undefined;
    if (inReplacedWorkflow) {
      consumed.add(inReplacedWorkflow.id);
      tasks.set(t.key, {
        ...common(t),
        op: "replace",
        id: inReplacedWorkflow.id,
        fields: [],
        reason: `its workflow "${t.workflow}" is replaced`,
        submit: submitAll,
        summary: taskSummary(t),
      });
      continue;
    }
    const from = moved.get(t.key);
    if (from) {
      const oldWorkflow = remoteById.get(from.workflowId)?.name ?? from.workflowId;
      const ups = upstreamChange(from, t);
      tasks.set(t.key, {
        ...common(t),
        op: "replace",
        id: from.id,
        fromKey: `${oldWorkflow}/${t.name}`,
        fields: [{ path: "Workflow", from: oldWorkflow, to: t.workflow }, ...(ups ? [ups] : [])],
        reason: `a task cannot move from workflow "${oldWorkflow}" to "${t.workflow}" in place`,
        submit: submitAll,
        summary: taskSummary(t),
      });
      continue;
    }
    if (!r) {
      tasks.set(t.key, { ...common(t), op: "create", fields: [], submit: submitAll, summary: taskSummary(t) });
      continue;
    }
    if (r.typeId !== Number(t.payload.TriggerTaskBaseAttribute.TaskTypeId)) {
      tasks.set(t.key, {
        ...common(t),
        op: "replace",
        id: r.id,
        fields: [
          readableField(
            { path: "TaskTypeId", from: String(r.typeId), to: t.payload.TriggerTaskBaseAttribute.TaskTypeId },
            names,
          ),
        ],
        reason: "a task's kind cannot change in place",
        submit: submitAll,
        summary: taskSummary(t),
      });
      continue;
    }
    const desired = resolveRefs(t.payload, ids);
    // Three-way: what the code sets, and what wedata-kit wrote before (the deploy state); keys the server
    // added are neither, and are never compared.
    const owned = comparedKeys(desired, r.applied?.k);
    const a = comparableRemoteTask(r.task, owned);
    const b = comparableDesiredTask(desired, owned);
    const fields = diffFields(a.fields, b.fields).map((f) => readableField(f, names));
    const codeDiff = codeDiffOf(t.key, a.code, b.code);
    if (!codeDiff && a.codeBytes !== b.codeBytes)
      fields.push({
        path: "CodeContent",
        from: `${Buffer.from(a.codeBytes, "base64").length} bytes (not text)`,
        to: `${Buffer.from(b.codeBytes, "base64").length} bytes`,
      });
    if (codeDiff)
      fields.push({
        path: "CodeContent",
        from: `${Buffer.byteLength(a.code)} bytes`,
        to: `${Buffer.byteLength(b.code)} bytes`,
      });
    const changed = fields.length > 0;
    const ownedBy = r.owner !== undefined && r.owner !== options.project ? r.owner : undefined;
    const declared = new Set(
      (t.payload.TriggerTaskConfiguration.TaskExtConfigurationList ?? []).map((e) => e.ParamKey),
    );
    const dropExt = (r.applied?.k ?? [])
      .filter((k) => k.startsWith("ext:") && !declared.has(k.slice(4)))
      .map((k) => k.slice(4));
    const keepExt = r.read
      ? (r.task.TriggerTaskConfiguration.TaskExtConfigurationList ?? []).filter(
          (e) => !declared.has(e.ParamKey) && e.ParamKey !== OWNER_EXT_KEY && !dropExt.includes(e.ParamKey),
        )
      : undefined;
    const drift = changed ? driftOf(r, desired) : undefined;
    const reasons = [
      ...(drift
        ? [
            `changed outside ` +
              `wedata-kit${drift.by ? ` by ${drift.by}` : ""}${drift.at ? ` at ${drift.at}` : ""}` +
              (drift.codeToo ? ", and in the code" : ": the deploy puts back what the code says"),
          ]
        : []),
      ...(renamedTasks.has(t.key) ? [`renamed from "${t.renamedFrom}", in place (same TaskId)`] : []),
      ...(!r.submitted && !changed ? ["its latest version is not submitted"] : []),
    ];
    tasks.set(t.key, {
      ...common(t),
      op: changed ? "update" : "noop",
      id: r.id,
      fields,
      ...(codeDiff && { codeDiff }),
      submit: submitAll && (changed || !r.submitted),
      ...(reasons.length > 0 && { reason: reasons.join("; ") }),
      ...(keepExt && { keepExt }),
      ...(dropExt.length > 0 && { dropExt }),
      ...(drift && { drift: { ...(drift.by && { by: drift.by }), ...(drift.at && { at: drift.at }) } }),
      seen: { v: r.version, u: r.updated },
      remoteUpstreamIds: (r.task.TriggerTaskSchedulerConfiguration?.UpstreamDependencyConfigList ?? []).map(
        (d) => d.TaskId,
      ),
      ...(ownedBy !== undefined && { ownedBy }),
      ...(r.task.TriggerTaskBaseAttribute.OwnerUin && { remoteOwnerUin: r.task.TriggerTaskBaseAttribute.OwnerUin }),
    });
  }

  // Replacing gives new ids: dependents must point at them (and let go of the old ones first).
  const replacedKeys = new Set([...tasks.values()].filter((c) => c.op === "replace").map((c) => c.key));
  const upstreamOf = (r: RemoteTaskRecord) =>
    (r.task.TriggerTaskSchedulerConfiguration?.UpstreamDependencyConfigList ?? []).map((d) => d.TaskId);
  for (const c of [...tasks.values()]) {
    if (c.op !== "noop" && c.op !== "update") continue;
    const newUpstreams = c.dependsOn.filter((k) => replacedKeys.has(k));
    const newWorkflows = c.needsWorkflows.filter((w) => replacedWorkflows.has(w) && w !== c.workflow);
    if (newUpstreams.length === 0 && newWorkflows.length === 0) continue;
    const r = must(matched.get(c.key), "matched entry");
    const oldIds = new Set(upstreamOf(r));
    const idOf = (k: string) => {
      const x = tasks.get(k);
      return x && x.op !== "create" ? x.id : undefined;
    };
    const detach = newUpstreams.flatMap((k) => idOf(k) ?? []).filter((id) => oldIds.has(id));
    const extra: FieldChange[] = [
      ...newUpstreams.map((k) => ({
        path: `UpstreamDependencyConfigList[${k}]`,
        from: idOf(k) ?? null,
        to: newIdMarker(k),
      })),
      ...newWorkflows.map((w) => ({
        path: `RunWorkflow[${w}]`,
        from: remoteByName.get(w)?.id ?? null,
        to: newIdMarker(w),
      })),
    ];
    tasks.set(c.key, {
      ...c,
      op: "update",
      fields: [...c.fields, ...extra],
      submit: submitAll,
      ...(detach.length && { detach }),
    });
  }

  // What is left remotely: owned resources are prunable; others are reported and left alone.
  const pruneTasks: TaskDelete[] = [];
  const unmanaged: string[] = [];
  const interesting = new Set([...remoteOf.values()].map((w) => w.id));
  for (const w of remote.workflows) if (w.owner === options.project) interesting.add(w.id);
  const leftover = remote.tasks.filter((x) => interesting.has(x.workflowId) && !consumed.has(x.id));
  const leftoverIds = new Set(leftover.map((x) => x.id));
  const unmodelled: Record<string, number> = {};
  for (const x of leftover) {
    const wname = remoteById.get(x.workflowId)?.name ?? x.workflowId;
    const key = `${wname}/${x.name}`;
    if (!KNOWN_TYPE_IDS.has(x.typeId)) unmodelled[key] = x.typeId;
    if (x.owner !== options.project || !KNOWN_TYPE_IDS.has(x.typeId)) {
      unmanaged.push(key);
      continue;
    }
    const downstreamIds = remote.tasks
      .filter((y) => leftoverIds.has(y.id) && upstreamOf(y).includes(x.id))
      .map((y) => y.id);
    pruneTasks.push({
      kind: "task",
      op: "delete",
      key,
      workflow: wname,
      name: x.name,
      id: x.id,
      fields: [],
      submit: false,
      dependsOn: [],
      needsWorkflows: [],
      downstreamIds,
      reason: "no longer in the code",
    });
  }
  // A replaced task is deleted before it is created again: remote tasks below it that are deleted too go first.
  const goingAway = new Set([
    ...[...tasks.values()].flatMap((c) => (c.op === "replace" ? [c.id] : [])),
    ...pruneTasks.map((c) => c.id),
  ]);
  for (const c of [...tasks.values()]) {
    if (c.op !== "replace") continue;
    const downstreamIds = remote.tasks
      .filter((y) => goingAway.has(y.id) && y.id !== c.id && upstreamOf(y).includes(c.id))
      .map((y) => y.id);
    if (downstreamIds.length) tasks.set(c.key, { ...c, downstreamIds });
  }
  const desiredWorkflowNames = new Set(compiled.workflows.map((w) => w.name));
  // A workflow renamed in place is kept by its id, whatever its old name.
  const keptIds = new Set([...remoteOf.values()].map((w) => w.id));
  const pruneWorkflowsAll: WorkflowDelete[] = remote.workflows
    .filter((w) => w.owner === options.project && !desiredWorkflowNames.has(w.name) && !keptIds.has(w.id))
    .map((w) => ({
      kind: "workflow",
      op: "delete",
      name: w.name,
      id: w.id,
      fields: [],
      managed: true,
      reason: "no longer in the code",
    }));

  // Deleting a task that a task of someone else still depends on would mean touching theirs (WeData
  // refuses the delete while a downstream remains): such a task is kept, and so are its upstreams and
  // any workflow left holding a task, each with the reason.
  const keptBack: Array<{ key: string; reason: string }> = [];
  const foreign = new Set(
    leftover.filter((x) => x.owner !== options.project || !KNOWN_TYPE_IDS.has(x.typeId)).map((x) => x.id),
  );
  const staying = new Set(foreign);
  const keyOfId = new Map(
    leftover.map((x) => [x.id, `${remoteById.get(x.workflowId)?.name ?? x.workflowId}/${x.name}`]),
  );
  for (let changed = true; changed; ) {
    changed = false;
    for (const c of pruneTasks) {
      if (staying.has(c.id)) continue;
      const blocker = remote.tasks.find((y) => staying.has(y.id) && upstreamOf(y).includes(c.id));
      if (!blocker) continue;
      staying.add(c.id);
      const by = keyOfId.get(blocker.id) ?? blocker.id;
      keptBack.push({
        key: c.key,
        reason: foreign.has(blocker.id)
          ? `${by} depends on it, and is not this project's to change`
          : `${by}, which is kept, depends on it`,
      });
      changed = true;
    }
  }
  const pruneTasksKept = pruneTasks.filter((c) => !staying.has(c.id));
  const pruneWorkflows = pruneWorkflowsAll.filter((w) => {
    const holding =
      leftover.find((x) => x.workflowId === w.id && foreign.has(x.id)) ??
      leftover.find((x) => x.workflowId === w.id && staying.has(x.id));
    if (holding) keptBack.push({ key: w.name, reason: `it still holds ${keyOfId.get(holding.id) ?? holding.id}` });
    return !holding;
  });

  // Folders to create: workflow folders, and task folders of existing and new workflows.
  const folders: FolderChange[] = compiled.workflowFolders
    .filter((p) => !remote.workflowFolders.has(p))
    .map((path) => ({ kind: "workflowFolder", path }));
  for (const f of compiled.taskFolders) {
    const wid = workflowIds.get(f.workflow);
    if (wid === undefined || !remote.taskFolders.has(`${wid}|${f.type}|${f.path}`))
      folders.push({ kind: "taskFolder", workflow: f.workflow, type: f.type, path: f.path });
  }

  return {
    version: 1,
    project: options.project,
    target: { name: compiled.target.name, projectId: compiled.target.projectId, region: compiled.target.region },
    folders,
    workflows,
    tasks: [...tasks.values()],
    prune: { workflows: pruneWorkflows, tasks: pruneTasksKept },
    ...(keptBack.length > 0 && { keptBack }),
    unmanaged: unmanaged.sort(),
    ...(Object.keys(unmodelled).length > 0 && { unmodelled }),
    ...(stateBehind(remote, matched, workflowIds) && { stateBehind: true }),
    remoteIds: {
      workflows: Object.fromEntries(workflowIds),
      tasks: Object.fromEntries([...matched].map(([k, r]) => [k, r.id])),
    },
  };
}

/** Whether a matched task or workflow has no current entry in the deploy state. */
function stateBehind(
  remote: RemoteState,
  matched: ReadonlyMap<string, RemoteTaskRecord>,
  workflowIds: ReadonlyMap<string, string>,
): boolean {
  if (!remote.stateFound) return true;
  for (const r of matched.values())
    if (!r.applied || r.applied.v !== r.version || r.applied.u !== r.updated) return true;
  return remote.workflows.some((w) => workflowIds.get(w.name) === w.id && w.owner !== undefined && !w.inState);
}

const KNOWN_TYPE_IDS = new Set<number>(Object.values(TASK_KINDS).map((k) => k.typeId));

/**
 * Whether a read task differs from what wedata-kit last applied to it (someone saved it since, and it
 * no longer digests to the recorded digest), and whether the code changed since too.
 */
function driftOf(
  r: RemoteTaskRecord,
  desired: TaskPayload,
): { by?: string; at?: string; codeToo: boolean } | undefined {
  const e = r.applied;
  if (!r.read || !e?.h || (e.v === r.version && e.u === r.updated)) return undefined;
  if (comparableDigest(comparableRemoteTask(r.task, new Set(e.k))) === e.h) return undefined;
  const keys = ownedKeysOf(desired);
  const codeToo =
    keys.join("\n") !== [...e.k].sort().join("\n") ||
    comparableDigest(comparableDesiredTask(desired, new Set(keys))) !== e.h;
  return { ...(r.updatedBy && { by: r.updatedBy }), ...(r.updated && { at: r.updated }), codeToo };
}

interface IdNames {
  readonly tasks: ReadonlyMap<string, string>;
  readonly workflows: ReadonlyMap<string, string>;
}

const PRIORITY_LABEL: Record<number, string> = { 4: "high", 5: "medium", 6: "low" };
const TYPE_LABEL = new Map(Object.values(TASK_KINDS).map((k) => [String(k.typeId), k.label]));

/** A value as a reviewer reads it: ids by name, enum numbers with their label. */
function readableValue(path: string, v: unknown, names: IdNames): unknown {
  const leaf = (path.split(".").pop() ?? "").replace(/\[.*$/, "");
  const byName = (id: unknown) => {
    if (typeof id !== "string") return id;
    const [, newOf] = /^\(new id of (.+)\)$/.exec(id) ?? [];
    if (newOf !== undefined) return `${newOf.split("/").pop()} (new)`;
    return names.tasks.get(id) ?? names.workflows.get(id) ?? id;
  };
  if (v === null || v === undefined) return v;
  if (leaf === "UpstreamDependencyConfigList" || leaf === "RunWorkflow")
    return Array.isArray(v) ? v.map(byName) : byName(v);
  if (leaf === "ParamTaskInList" && Array.isArray(v))
    return v.map((p) =>
      p && typeof p === "object" && "FromTaskId" in p
        ? { ...(p as object), FromTaskId: byName((p as { FromTaskId: unknown }).FromTaskId) }
        : p,
    );
  if (leaf === "subWorkflowId" || leaf === "WorkflowId") return byName(v);
  if (leaf === "RunPriorityType" && typeof v === "number") return `${PRIORITY_LABEL[v] ?? "?"} (${v})`;
  if (leaf === "AllowDownstreamDependency" && typeof v === "number")
    return `${v === 1 ? "allowed" : "not allowed"} (${v})`;
  if (leaf === "ScheduleType" && typeof v === "number") return `${v === 1 ? "dry run" : "normal"} (${v})`;
  if (leaf === "TaskTypeId") return `${TYPE_LABEL.get(String(v)) ?? "unknown kind"} (${String(v)})`;
  return v;
}

const readableField = (f: FieldChange, names: IdNames): FieldChange => ({
  path: f.path,
  from: readableValue(f.path, f.from, names),
  to: readableValue(f.path, f.to, names),
});

const firstLines = (text: string, n = 3) =>
  text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(0, n);

/** What a reviewer needs to see of a task that is created: kind, upstream tasks by name, folder, policy, program. */
function taskSummary(t: CompiledTask): Record<string, unknown> {
  const p = t.payload;
  const sched = p.TriggerTaskSchedulerConfiguration;
  const ups = (sched.UpstreamDependencyConfigList ?? []).map((u) =>
    (parsePlaceholder(u.TaskId)?.key ?? u.TaskId).split("/").pop(),
  );
  const code = p.TriggerTaskConfiguration.CodeContent
    ? Buffer.from(p.TriggerTaskConfiguration.CodeContent, "base64")
    : undefined;
  const runs = p.TriggerTaskConfiguration.TaskExtConfigurationList?.find(
    (e) => e.ParamKey === "subWorkflowId",
  )?.ParamValue;
  return {
    kind: `${TYPE_LABEL.get(p.TriggerTaskBaseAttribute.TaskTypeId) ?? "?"} (${p.TriggerTaskBaseAttribute.TaskTypeId})`,
    ...(ups.length > 0 && { upstream: ups }),
    ...(sched.DependencyTriggerPolicy &&
      sched.DependencyTriggerPolicy !== "ALL_SUCCESS" && { triggerWhen: sched.DependencyTriggerPolicy }),
    ...(p.TriggerTaskBaseAttribute.TaskFolderPath && { folder: p.TriggerTaskBaseAttribute.TaskFolderPath }),
    ...(runs && { runs: parsePlaceholder(runs)?.key ?? runs }),
    retries: sched.MaxRetryNumber,
    priority: readableValue("RunPriorityType", sched.RunPriorityType, { tasks: new Map(), workflows: new Map() }),
    ...(code && {
      code:
        t.code !== undefined
          ? { bytes: code.length, firstLines: firstLines(t.code) }
          : { bytes: code.length, binary: true },
    }),
  };
}

/** What a reviewer needs to see of a workflow that is created: folder, schedule, status, parameters. */
function workflowSummary(p: WorkflowPayload): Record<string, unknown> {
  const schedule = (p.TriggerWorkflowSchedulerConfigurations ?? []).map((c) =>
    c.TriggerMode === "FILE_ARRIVAL"
      ? `file arrival at ${c.FileArrivalPath}`
      : `${c.CrontabExpression} (${c.ScheduleTimeZone}, from ${c.StartTime})`,
  );
  return {
    folder: p.ParentFolderPath,
    ...(schedule.length > 0 ? { schedule } : { schedule: "none (runs when triggered or nested)" }),
    ...(p.SchedulerStatus && { status: p.SchedulerStatus }),
    ...(p.WorkflowParams?.length && {
      params: Object.fromEntries(p.WorkflowParams.map((x) => [x.ParamKey, x.ParamValue])),
    }),
  };
}

/**
 * What `wedata destroy` plans against: the project as if the code declared no managed workflows and no
 * tasks (existing workflows it only places tasks in stay, unmanaged), so everything the project owns on
 * the target lands in the prune list.
 */
export function destroyInput(compiled: CompiledProject): CompiledProject {
  return {
    ...compiled,
    workflows: compiled.workflows.filter((w) => w.existingId),
    tasks: [],
    order: [],
    workflowFolders: [],
    taskFolders: [],
  };
}

/** Whether applying the plan (with or without prune) would change anything. */
export function planHasChanges(plan: Plan, prune = false): boolean {
  return (
    plan.folders.length > 0 ||
    plan.workflows.some((w) => w.op !== "noop") ||
    plan.tasks.some((t) => t.op !== "noop" || t.submit) ||
    (prune && (plan.prune.tasks.length > 0 || plan.prune.workflows.length > 0))
  );
}
