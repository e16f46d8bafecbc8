/*
 * What wedata-kit last applied, kept on the target itself (a fresh CI machine has nothing local): tasks
 * named `state_<n>` in the project's bookkeeping workflow (the deploy lock's, `wedata_kit_lock_<project>`
 * in `/wedata-kit`), dry-run Shell tasks that are never submitted, whose program is a comment line of
 * JSON. Per task it records the version and update time ListTriggerTasks reported right after the
 * deploy, the optional settings wedata-kit wrote (`ownedKeysOf`) and a digest of the task as applied;
 * per workflow, that this project made it.
 *
 * A plan uses it three ways: a task whose listed version and time are the recorded ones, and whose code
 * digests to the recorded digest, is unchanged and needs no GetTriggerTask (a cold no-op plan costs a
 * few list pages); a key wedata-kit wrote and the code no longer sets is removed; a task whose remote
 * digest differs from the recorded one was changed outside wedata-kit (drift). Entries hold digests and
 * key names only, never values; a task whose settings hold a secret gets no digest (it is always read).
 */
import { containsSecret, type TaskPayload } from "@wedata-kit/compiler";
import { z } from "zod";
import type { RateLimitedCaller } from "./caller.js";
import { ApiCallError } from "./errors.js";
import { ensureBookkeepingWorkflow, findBookkeepingWorkflow } from "./lock.js";
import { isStateTaskName, STATE_TASK_PREFIX } from "./lock-name.js";
import { comparableDesiredTask, comparableDigest, ownedKeysOf } from "./normalize.js";
import { resolveRefs, type Plan } from "./plan.js";
import { listAll } from "./remote.js";
import type { ApplySummary } from "./apply.js";

/** Entries per state task: about 150 bytes each, so a state task's program stays near 150 KB. */
export const STATE_SHARD_SIZE = 1000;
const MARKER = "# wedata-kit deploy state (written by every deploy; do not edit): ";

const EntrySchema = z.object({
  /** Version and update time as ListTriggerTasks reported them after the deploy. */
  v: z.string(),
  u: z.string(),
  /** Owned optional settings wedata-kit wrote (`ext:<key>`, config fields, `OwnerUin`). */
  k: z.array(z.string()),
  /** Digest of the task as applied, on the keys above; absent when its settings hold a secret. */
  h: z.string().optional(),
});
export type AppliedEntry = z.infer<typeof EntrySchema>;

const ShardSchema = z.object({
  format: z.literal(1),
  project: z.string(),
  shard: z.number().int().min(0),
  of: z.number().int().min(1),
  workflows: z.record(z.string(), z.string()),
  tasks: z.record(z.string(), EntrySchema),
});
type Shard = z.infer<typeof ShardSchema>;

/** The record as read: entries by TaskId, this project's workflows by WorkflowId (their name). */
export interface AppliedState {
  readonly tasks: ReadonlyMap<string, AppliedEntry>;
  readonly workflows: ReadonlyMap<string, string>;
  /** Whether a record was found at all (a project deployed before it existed has none). */
  readonly found: boolean;
  /** The state tasks' programs as read, by TaskId (a write skips those that would not change). */
  readonly codes: ReadonlyMap<string, string>;
}

export const EMPTY_APPLIED: AppliedState = { tasks: new Map(), workflows: new Map(), found: false, codes: new Map() };

export { isStateTaskName, STATE_TASK_PREFIX };

const read = { retryAmbiguous: true };

export function encodeShard(s: Shard): string {
  return Buffer.from(`exit 0\n${MARKER}${JSON.stringify(s)}\n`).toString("base64");
}

export function decodeShard(codeContent: string | null | undefined, project: string): Shard | string {
  const text = Buffer.from(codeContent ?? "", "base64").toString("utf8");
  const line = text.split("\n").find((l) => l.startsWith(MARKER));
  if (!line) return "it holds no state line";
  let json: unknown;
  try {
    json = JSON.parse(line.slice(MARKER.length));
  } catch (e) {
    return `its state line is not JSON (${(e as Error).message})`;
  }
  const r = ShardSchema.safeParse(json);
  if (!r.success)
    return `${r.error.issues[0]?.path.join(".") || "top level"}: ${r.error.issues[0]?.message ?? "unexpected shape"}`;
  if (r.data.project !== project) return `it records project "${r.data.project}", not "${project}"`;
  return r.data;
}

/** Read the record's tasks (found in a task list already read) and merge their shards. */
export async function readAppliedState(
  caller: RateLimitedCaller,
  projectId: string,
  project: string,
  stateTasks: ReadonlyArray<{ TaskId: string; TaskName?: string }>,
  warn: (message: string) => void,
): Promise<AppliedState> {
  const tasks = new Map<string, AppliedEntry>();
  const workflows = new Map<string, string>();
  const codes = new Map<string, string>();
  const shards = stateTasks.filter((t) => isStateTaskName(t.TaskName));
  await Promise.all(
    shards.map(async (t) => {
      const got = (await caller.call("GetTriggerTask", { ProjectId: projectId, TaskId: t.TaskId }, read)).Data;
      codes.set(t.TaskId, got?.TriggerTaskConfiguration?.CodeContent ?? "");
      const shard = decodeShard(got?.TriggerTaskConfiguration?.CodeContent, project);
      if (typeof shard === "string") {
        warn(
          `ignored the deploy-state task ${t.TaskName} (${t.TaskId}) on the target: ${shard}; the tasks it covers ` +
            `are read in full and it is rewritten by the next deploy`,
        );
        return;
      }
      for (const [id, e] of Object.entries(shard.tasks)) tasks.set(id, e);
      for (const [id, name] of Object.entries(shard.workflows)) workflows.set(id, name);
    }),
  );
  return { tasks, workflows, found: shards.length > 0, codes };
}

/** The entry a task gets for a payload as sent (ids resolved): owned keys and the digest. */
export function appliedEntryOf(payload: TaskPayload, v: string, u: string): AppliedEntry {
  const k = ownedKeysOf(payload);
  return {
    v,
    u,
    k,
    ...(!containsSecret(payload) && { h: comparableDigest(comparableDesiredTask(payload, new Set(k))) }),
  };
}

function shardOf(id: string, n: number): number {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h % n;
}

interface Listed {
  TaskId: string;
  WorkflowId: string;
  TaskName?: string;
  TaskLatestVersionNo?: string | null;
  LastUpdateTime?: string | null;
}

/**
 * After a deploy: record what it applied. Entries of tasks it created or updated (and of unchanged tasks
 * whose entry was missing or out of date) are written with the version and time the list reports now;
 * a task whose write failed keeps its old entry (still true of the remote until someone saves it);
 * tasks and workflows no longer listed are dropped. Only the state tasks whose content changed are
 * written, so a deploy that changed nothing writes nothing.
 */
export async function saveAppliedState(
  caller: RateLimitedCaller,
  plan: Plan,
  summary: ApplySummary,
  o: { readonly listLagMs?: number } = {},
): Promise<{ written: number }> {
  const ProjectId = plan.target.projectId;
  const place = { caller, projectId: ProjectId, project: plan.project };
  const wf = await findBookkeepingWorkflow(place);
  const stateTasks = wf
    ? (
        await listAll<Listed>(
          (PageNumber) =>
            caller
              .call("ListTriggerTasks", { ProjectId, WorkflowId: wf, PageNumber, PageSize: 200 }, read)
              .then((r) => r.Data),
          "ListTriggerTasks",
        )
      ).filter((t) => t.WorkflowId === wf)
    : [];
  const current = wf ? await readAppliedState(caller, ProjectId, plan.project, stateTasks, () => {}) : EMPTY_APPLIED;

  // Versions and times now: the plan's list when nothing was written, a fresh list otherwise.
  const anyWrite = summary.written.length > 0 || summary.deleted > 0 || summary.submitted > 0;
  let listed: Map<string, Listed> | undefined;
  let liveWorkflows: Set<string> | undefined;
  if (anyWrite) {
    // A list that lags behind creates (doctor measures it) is read once it has caught up.
    if (o.listLagMs) await new Promise((r) => setTimeout(r, o.listLagMs));
    listed = new Map(
      (
        await listAll<Listed>(
          (PageNumber) =>
            caller.call("ListTriggerTasks", { ProjectId, PageNumber, PageSize: 200 }, read).then((r) => r.Data),
          "ListTriggerTasks",
        )
      ).map((t) => [t.TaskId, t]),
    );
    liveWorkflows = new Set(
      (
        await listAll<{ WorkflowId?: string }>(
          (PageNumber) =>
            caller.call("ListTriggerWorkflows", { ProjectId, PageNumber, PageSize: 200 }, read).then((r) => r.Data),
          "ListTriggerWorkflows",
        )
      ).map((w) => w.WorkflowId ?? ""),
    );
  }
  const ids = {
    workflows: new Map(Object.entries(summary.ids.workflows)),
    tasks: new Map(Object.entries(summary.ids.tasks)),
  };
  const written = new Set(summary.written);
  const tasks = new Map(current.tasks);
  for (const t of plan.tasks) {
    const id = summary.ids.tasks[t.key];
    if (!id || !t.payload || !(written.has(t.key) || t.op === "noop")) continue;
    const seen = listed ? listed.get(id) : undefined;
    if (listed && !seen) continue; // not listed yet (list lag): the next plan reads it in full
    const planned = t.op === "noop" || t.op === "update" ? t.seen : undefined;
    const v = (listed ? seen?.TaskLatestVersionNo : planned?.v) ?? "";
    const u = (listed ? seen?.LastUpdateTime : planned?.u) ?? "";
    tasks.set(id, appliedEntryOf(resolveRefs(t.payload, ids), v, u));
  }
  if (listed) for (const id of [...tasks.keys()]) if (!listed.has(id)) tasks.delete(id);

  const workflows = new Map(current.workflows);
  for (const w of plan.workflows) {
    const id = summary.ids.workflows[w.name];
    if (w.managed && id) workflows.set(id, w.name);
  }
  if (liveWorkflows) for (const id of [...workflows.keys()]) if (!liveWorkflows.has(id)) workflows.delete(id);

  const same =
    tasks.size === current.tasks.size &&
    [...tasks].every(([id, e]) => JSON.stringify(current.tasks.get(id)) === JSON.stringify(e)) &&
    workflows.size === current.workflows.size &&
    [...workflows].every(([id, n]) => current.workflows.get(id) === n);
  if (same && current.found) return { written: 0 };
  return { written: await writeAppliedState(caller, place, { tasks, workflows }, wf, stateTasks, current.codes) };
}

/** Write the record: one state task per STATE_SHARD_SIZE entries, only those whose content changed. */
async function writeAppliedState(
  caller: RateLimitedCaller,
  place: { caller: RateLimitedCaller; projectId: string; project: string },
  state: { tasks: ReadonlyMap<string, AppliedEntry>; workflows: ReadonlyMap<string, string> },
  knownWorkflow: string | undefined,
  existing: readonly Listed[],
  codes: ReadonlyMap<string, string>,
): Promise<number> {
  const ProjectId = place.projectId;
  const wf = knownWorkflow ?? (await ensureBookkeepingWorkflow(place));
  const n = Math.max(1, Math.ceil(state.tasks.size / STATE_SHARD_SIZE));
  const shards: Shard[] = Array.from({ length: n }, (_, i) => ({
    format: 1,
    project: place.project,
    shard: i,
    of: n,
    workflows: i === 0 ? Object.fromEntries([...state.workflows].sort()) : {},
    tasks: {},
  }));
  for (const [id, e] of [...state.tasks].sort(([a], [b]) => (a < b ? -1 : 1))) shards[shardOf(id, n)]!.tasks[id] = e;
  const byName = new Map(existing.filter((t) => isStateTaskName(t.TaskName)).map((t) => [t.TaskName!, t.TaskId]));
  let written = 0;
  await Promise.all(
    shards.map(async (s) => {
      const name = `${STATE_TASK_PREFIX}${s.shard}`;
      const CodeContent = encodeShard(s);
      const id = byName.get(name);
      if (id && codes.get(id) === CodeContent) return;
      if (id) {
        await caller.call(
          "UpdateTriggerTaskPartially",
          {
            ProjectId,
            TaskId: id,
            NewSetting: { TriggerTaskBaseAttribute: { TaskName: name }, TriggerTaskConfiguration: { CodeContent } },
          },
          read,
        );
      } else {
        await caller.call(
          "CreateTriggerTask",
          {
            ProjectId,
            TriggerTaskBaseAttribute: {
              TaskName: name,
              TaskTypeId: "35",
              WorkflowId: wf,
              TaskDescription: "wedata-kit deploy state: do not edit",
            },
            TriggerTaskConfiguration: { CodeContent },
            TriggerTaskSchedulerConfiguration: { ScheduleType: 1 },
          },
          { retryAmbiguous: false },
        );
      }
      written++;
    }),
  );
  // Shards past the new count (the project shrank) go.
  for (const [name, id] of byName) {
    if (Number(name.slice(STATE_TASK_PREFIX.length)) < n) continue;
    try {
      await caller.call("DeleteTriggerTask", { ProjectId, TaskId: id }, read);
      written++;
    } catch (e) {
      if (!(e instanceof ApiCallError && e.code === "ResourceNotFound")) throw e;
    }
  }
  return written;
}
