/*
 * One deployer at a time, across machines: the lock lives on the target itself (WeData is the only
 * store every deployer shares). It is a task named `lock` in a workflow of its own
 * (`wedata_kit_lock_<project>` in the folder `/wedata-kit`), created atomically: WeData keeps task names
 * unique within a workflow, so of two deployers creating it at once exactly one succeeds. The task's
 * description records the owner, when the lock was taken and when it expires; a killed run's lock
 * expires on its own (at once when it was taken on this machine by a process that is gone), and a live
 * deploy renews it. The task is a dry-run Shell task that is never
 * submitted, so it never runs. Whether the service's create is atomic cannot be checked from here: on a
 * service where it is not, two deployers could both believe they hold the lock.
 */
import { WedataKitError } from "@wedata-kit/dsl";
import { randomUUID } from "node:crypto";
import { hostname, userInfo } from "node:os";
import type { RateLimitedCaller } from "./caller.js";
import { ApiCallError } from "./errors.js";
import { listAll } from "./remote.js";

const LOCK_TASK = "lock";
/** The BundleInfo of a lock workflow: not the ownership mark, so plans, prune and import leave it alone. */
export const LOCK_BUNDLE = JSON.stringify({ managedBy: "wedata-kit-lock" });

import { isStateTaskName, LOCK_FOLDER, lockWorkflowName } from "./lock-name.js";

export { isLockWorkflow, lockWorkflowName, LOCK_FOLDER } from "./lock-name.js";

/** Who holds a lock and until when. */
export interface LockInfo {
  readonly owner: string;
  readonly token: string;
  readonly command: string;
  /** ISO times. */
  readonly started: string;
  readonly expires: string;
}

export class LockHeldError extends WedataKitError {
  constructor(readonly holder: LockInfo) {
    super(
      "E_LOCK_HELD",
      `another deploy holds the lock of this project on the target: ${holder.owner} (${holder.command}), since ` +
        `${holder.started}, until ${holder.expires}. Wait for it to finish, or, if it was killed, let the lock ` +
        `expire or break it with \`wedata lock release --force\``,
    );
  }
}

export interface HeldLock {
  readonly info: LockInfo;
  readonly taskId: string;
  /** Stop renewing and delete the lock (only if it is still ours). */
  release(): Promise<void>;
}

interface LockPlace {
  readonly caller: RateLimitedCaller;
  readonly projectId: string;
  readonly project: string;
}

const read = { retryAmbiguous: true };

/** The project's bookkeeping workflow (the deploy lock's, which also holds the deploy state), if it exists. */
export async function findBookkeepingWorkflow(p: LockPlace): Promise<string | undefined> {
  const name = lockWorkflowName(p.project);
  const items = await listAll<{ WorkflowName?: string; WorkflowId?: string }>(
    (PageNumber) =>
      p.caller
        .call("ListTriggerWorkflows", { ProjectId: p.projectId, Keyword: name, PageNumber, PageSize: 200 }, read)
        .then((r) => r.Data),
    "ListTriggerWorkflows",
  );
  return items.find((w) => w.WorkflowName === name)?.WorkflowId;
}

/** The folder of the lock workflows (and of doctor's scratch workflow), created when missing. */
export async function ensureLockFolder(caller: RateLimitedCaller, projectId: string): Promise<void> {
  try {
    await caller.call(
      "CreateWorkflowFolder",
      { ProjectId: projectId, ParentFolderPath: "/", FolderName: LOCK_FOLDER.slice(1) },
      read,
    );
  } catch (e) {
    if (!(e instanceof ApiCallError)) throw e; // the folder exists already (or the create that needs it tells)
  }
}

/** The project's bookkeeping workflow, created when missing. */
export async function ensureBookkeepingWorkflow(p: LockPlace): Promise<string> {
  const found = await findBookkeepingWorkflow(p);
  if (found) return found;
  await ensureLockFolder(p.caller, p.projectId);
  let last: ApiCallError | undefined;
  try {
    const r = await p.caller.call(
      "CreateTriggerWorkflow",
      {
        ProjectId: p.projectId,
        WorkflowName: lockWorkflowName(p.project),
        ParentFolderPath: LOCK_FOLDER,
        BundleInfo: LOCK_BUNDLE,
        WorkflowDesc: "wedata-kit deploy lock: do not edit",
      },
      { retryAmbiguous: false },
    );
    if (r.Data?.WorkflowId) return r.Data.WorkflowId;
  } catch (e) {
    if (!(e instanceof ApiCallError)) throw e;
    last = e;
  }
  // Created by another deployer at the same moment, or our answer was lost: it is there now.
  const again = await findBookkeepingWorkflow(p);
  if (!again)
    throw new Error(
      `could not create the deploy lock's workflow ${lockWorkflowName(p.project)} in ` +
        `${LOCK_FOLDER}${last ? `; the last error was: ${last.code ? `[${last.code}] ` : ""}${last.message}` : ""}`,
    );
  return again;
}

/** The current lock, if any: its task id and what its description records. */
export async function readLock(
  p: LockPlace,
  workflowId?: string,
): Promise<{ taskId: string; info: LockInfo | undefined } | undefined> {
  const wf = workflowId ?? (await findBookkeepingWorkflow(p));
  if (!wf) return undefined;
  const tasks = await listAll<{ TaskId: string; TaskName?: string; WorkflowId: string }>(
    (PageNumber) =>
      p.caller
        .call(
          "ListTriggerTasks",
          { ProjectId: p.projectId, WorkflowId: wf, TaskName: LOCK_TASK, PageNumber, PageSize: 200 },
          read,
        )
        .then((r) => r.Data),
    "ListTriggerTasks",
  );
  const t = tasks.find((x) => x.TaskName === LOCK_TASK && x.WorkflowId === wf);
  if (!t) return undefined;
  const detail = (await p.caller.call("GetTriggerTask", { ProjectId: p.projectId, TaskId: t.TaskId }, read)).Data;
  let info: LockInfo | undefined;
  try {
    const v = JSON.parse(detail?.TriggerTaskBaseAttribute?.TaskDescription ?? "") as Partial<LockInfo>;
    if (typeof v.token === "string" && typeof v.expires === "string") info = v as LockInfo;
  } catch {
    info = undefined;
  }
  return { taskId: t.TaskId, info };
}

const describeLock = (info: LockInfo) => JSON.stringify(info);
/** Tokens of the locks this process holds now. */
const heldHere = new Set<string>();

/**
 * Take the project's lock on the target, or throw `LockHeldError` naming who holds it. An expired lock
 * (its holder was killed) is broken and taken. While held, the lock is renewed every third of `ttlMs`.
 */
export async function acquireLock(
  p: LockPlace,
  o: { command: string; ttlMs?: number; now?: () => number },
): Promise<HeldLock> {
  const now = o.now ?? Date.now;
  const ttlMs = o.ttlMs ?? 15 * 60_000;
  const workflowId = await ensureBookkeepingWorkflow(p);
  const info = (): LockInfo => ({
    owner: `${safeUser()}@${hostname()} pid ${process.pid}`,
    token,
    command: o.command,
    started,
    expires: new Date(now() + ttlMs).toISOString(),
  });
  const token = randomUUID();
  const started = new Date(now()).toISOString();
  for (let attempt = 0; attempt < 2; attempt++) {
    const mine = info();
    let taskId: string | undefined;
    try {
      const r = await p.caller.call(
        "CreateTriggerTask",
        {
          ProjectId: p.projectId,
          TriggerTaskBaseAttribute: {
            TaskName: LOCK_TASK,
            TaskTypeId: "35",
            WorkflowId: workflowId,
            TaskDescription: describeLock(mine),
          },
          TriggerTaskConfiguration: { CodeContent: Buffer.from("exit 0\n").toString("base64") },
          TriggerTaskSchedulerConfiguration: { ScheduleType: 1 },
        },
        { retryAmbiguous: false },
      );
      taskId = r.Data?.TaskId;
    } catch (e) {
      if (!(e instanceof ApiCallError)) throw e;
    }
    // Whatever the create answered, the lock task now decides: ours (by token), someone else's, or expired.
    const current = taskId ? { taskId, info: mine } : await readLock(p, workflowId);
    if (current?.info?.token === token) return held(p, current.taskId, mine, ttlMs, now);
    if (!current) continue;
    if (current.info && Date.parse(current.info.expires) > now() && !deadHere(current.info))
      throw new LockHeldError(current.info);
    // Expired (its holder was killed) or unreadable: break it, then try once more.
    await deleteLockTask(p, current.taskId);
  }
  throw new Error("could not take the deploy lock: it was taken and broken in turn; try again");
}

/** A lock taken on this machine by a process that no longer runs (killed before it could release it) is stale. */
function deadHere(info: LockInfo): boolean {
  const m = /^(.*)@(.*) pid (\d+)$/.exec(info.owner);
  if (!m || m[2] !== hostname()) return false;
  const pid = Number(m[3]);
  // Taken by this very process: live only while a command here still holds it.
  if (pid === process.pid) return !heldHere.has(info.token);
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

async function deleteLockTask(p: LockPlace, taskId: string): Promise<void> {
  try {
    await p.caller.call("DeleteTriggerTask", { ProjectId: p.projectId, TaskId: taskId }, read);
  } catch (e) {
    if (!(e instanceof ApiCallError && e.code === "ResourceNotFound")) throw e;
  }
}

function held(p: LockPlace, taskId: string, info: LockInfo, ttlMs: number, now: () => number): HeldLock {
  let current = info;
  heldHere.add(info.token);
  const timer = setInterval(
    () => {
      current = { ...current, expires: new Date(now() + ttlMs).toISOString() };
      p.caller
        .call(
          "UpdateTriggerTaskPartially",
          {
            ProjectId: p.projectId,
            TaskId: taskId,
            NewSetting: { TriggerTaskBaseAttribute: { TaskDescription: describeLock(current) } },
          },
          read,
        )
        .catch(() => undefined);
    },
    Math.max(1000, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  return {
    info,
    taskId,
    async release() {
      clearInterval(timer);
      heldHere.delete(info.token);
      const now_ = await readLock(p).catch(() => undefined);
      if (now_?.info?.token === info.token) await deleteLockTask(p, now_.taskId);
    },
  };
}

/** Break the lock whoever holds it (`wedata lock release --force`); returns what it held, if anything. */
export async function breakLock(p: LockPlace): Promise<LockInfo | undefined | null> {
  const current = await readLock(p);
  if (!current) return null;
  await deleteLockTask(p, current.taskId);
  return current.info;
}

/** Delete the project's lock workflow once nothing holds it (`wedata destroy` removes what the project made). */
export async function removeLockWorkflow(p: LockPlace): Promise<void> {
  const wf = await findBookkeepingWorkflow(p);
  if (!wf || (await readLock(p, wf))) return;
  // The deploy state goes with it: what it recorded no longer exists.
  const inside = await listAll<{ TaskId: string; TaskName?: string; WorkflowId: string }>(
    (PageNumber) =>
      p.caller
        .call("ListTriggerTasks", { ProjectId: p.projectId, WorkflowId: wf, PageNumber, PageSize: 200 }, read)
        .then((r) => r.Data),
    "ListTriggerTasks",
  );
  for (const t of inside) if (t.WorkflowId === wf && isStateTaskName(t.TaskName)) await deleteLockTask(p, t.TaskId);
  try {
    await p.caller.call("DeleteTriggerWorkflow", { ProjectId: p.projectId, WorkflowId: wf }, read);
  } catch (e) {
    if (!(e instanceof ApiCallError)) throw e;
  }
}
