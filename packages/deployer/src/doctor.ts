/*
 * `wedata doctor`: facts wedata-kit relies on that no documentation settles, checked on the user's own
 * account in a scratch workflow that is always removed. This first set covers what the deploy lock and
 * the ownership mark depend on:
 *  - a second task of the same name in a workflow is refused (atomically: two creates at once give one
 *    task), which is what makes the deploy lock hold;
 *  - which error code that duplicate gets (the deployer never depends on it: it looks the name up);
 *  - a custom extension key (the ownership mark) is stored and returned unchanged.
 */
import { randomBytes } from "node:crypto";
import type { RateLimitedCaller } from "./caller.js";
import { ApiCallError } from "./errors.js";
import { LOCK_FOLDER } from "./lock-name.js";
import { ensureLockFolder } from "./lock.js";
import { OWNER_EXT_KEY } from "./ownership.js";
import { listAll } from "./remote.js";

export interface DoctorCheck {
  readonly check: string;
  readonly expected: string;
  readonly observed: string;
  /** What wedata-kit does about it. */
  readonly consequence: string;
  /** False when wedata-kit cannot work safely on this target as things are. */
  readonly ok: boolean;
}

export interface DoctorReport {
  readonly checks: readonly DoctorCheck[];
  /** Whether the scratch workflow and its tasks were all removed again. */
  readonly cleanedUp: boolean;
}

const read = { retryAmbiguous: true };

/** Run the checks in a scratch workflow under the lock folder; everything created is removed, whatever happens. */
export async function runDoctor(caller: RateLimitedCaller, projectId: string, o: { signal?: AbortSignal } = {}): Promise<DoctorReport> {
  const name = `wedata_kit_doctor_${randomBytes(4).toString("hex")}`;
  const created: string[] = [];
  let workflowId: string | undefined;
  const checks: DoctorCheck[] = [];
  let cleanedUp = false;
  const cleanup = async (): Promise<boolean> => {
    let ok = true;
    for (const id of created.reverse()) {
      try {
        await caller.call("DeleteTriggerTask", { ProjectId: projectId, TaskId: id }, read);
      } catch (e) {
        if (!(e instanceof ApiCallError && e.code === "ResourceNotFound")) ok = false;
      }
    }
    if (workflowId) {
      try {
        await caller.call("DeleteTriggerWorkflow", { ProjectId: projectId, WorkflowId: workflowId }, read);
      } catch {
        ok = false;
      }
    }
    return ok;
  };
  try {
    await ensureLockFolder(caller, projectId);
    workflowId = (await caller.call("CreateTriggerWorkflow", { ProjectId: projectId, WorkflowName: name, ParentFolderPath: LOCK_FOLDER, WorkflowDesc: "wedata-kit doctor: removed when it finishes" }, { retryAmbiguous: false })).Data?.WorkflowId;
    if (!workflowId) throw new Error("CreateTriggerWorkflow answered without a WorkflowId");
    const body = (taskName: string, ext: Array<{ ParamKey: string; ParamValue: string }> = []) => ({
      ProjectId: projectId,
      TriggerTaskBaseAttribute: { TaskName: taskName, TaskTypeId: "35", WorkflowId: workflowId! },
      TriggerTaskConfiguration: { CodeContent: Buffer.from("exit 0\n").toString("base64"), ...(ext.length && { TaskExtConfigurationList: ext }) },
      TriggerTaskSchedulerConfiguration: { ScheduleType: 1 },
    });

    // 1 and 2: two creates of the same name at once, as two deployers taking the lock would.
    const results = await Promise.allSettled([0, 1].map(() => caller.call("CreateTriggerTask", body("twin"), { retryAmbiguous: false })));
    for (const r of results) if (r.status === "fulfilled" && r.value.Data?.TaskId) created.push(r.value.Data.TaskId);
    const listed = (await listAll<{ TaskId: string; TaskName?: string; WorkflowId: string }>((PageNumber) => caller.call("ListTriggerTasks", { ProjectId: projectId, WorkflowId: workflowId!, PageNumber, PageSize: 200 }, read).then((r) => r.Data), "ListTriggerTasks")).filter((t) => t.TaskName === "twin" && t.WorkflowId === workflowId);
    for (const t of listed) if (!created.includes(t.TaskId)) created.push(t.TaskId);
    const refusal = results.find((r): r is PromiseRejectedResult => r.status === "rejected")?.reason;
    const atomic = listed.length === 1;
    checks.push({
      check: "a second task of the same name in a workflow is refused, also when both are created at once",
      expected: "one task",
      observed: `${listed.length} task(s)`,
      consequence: atomic ? "the deploy lock keeps deployers apart" : "the deploy lock cannot keep two deployers apart on this target: run one deploy at a time (a CI concurrency group)",
      ok: atomic,
    });
    const code = refusal instanceof ApiCallError ? (refusal.code ?? "no code (transport)") : refusal ? String((refusal as Error).message ?? refusal) : "none (both created)";
    checks.push({
      check: "the error a duplicate task name gets",
      expected: "InvalidParameter.DuplicateName (documented, never relied on)",
      observed: code,
      consequence: "after any failed or unclear create, the deployer looks the name up and adopts what is there",
      ok: true,
    });

    // 3: the ownership mark, a custom extension key, round-trips unchanged.
    const mark = `doctor-${randomBytes(3).toString("hex")}`;
    const markedId = (await caller.call("CreateTriggerTask", body("marked", [{ ParamKey: OWNER_EXT_KEY, ParamValue: mark }]), { retryAmbiguous: false })).Data?.TaskId;
    if (markedId) created.push(markedId);
    const back = markedId ? (await caller.call("GetTriggerTask", { ProjectId: projectId, TaskId: markedId }, read)).Data : undefined;
    const value = back?.TriggerTaskConfiguration?.TaskExtConfigurationList?.find((e) => e.ParamKey === OWNER_EXT_KEY)?.ParamValue;
    checks.push({
      check: `a custom extension key (${OWNER_EXT_KEY}, the ownership mark) is stored and returned unchanged`,
      expected: mark,
      observed: value ?? "(dropped)",
      consequence: value === mark ? "--prune and destroy recognise the tasks this project created" : "tasks cannot carry the ownership mark here: --prune and destroy would find nothing of this project's to delete",
      ok: value === mark,
    });
    if (o.signal?.aborted) throw new Error("stopped");
  } finally {
    // Always: also after a failure half-way, or Ctrl-C (the caller turns SIGINT into an abort and waits).
    cleanedUp = await cleanup();
  }
  return { checks, cleanedUp };
}
