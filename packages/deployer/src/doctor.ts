/*
 * `wedata doctor`: facts wedata-kit relies on that no documentation settles, checked on the user's own
 * account in a scratch workflow that is always removed (also after a failure half-way, or Ctrl-C):
 *  - a second task of the same name in a workflow is refused, atomically (what the deploy lock needs);
 *  - which error code a duplicate task name and a duplicate workflow name get (never relied on: the
 *    deployer looks names up after any failed create);
 *  - a custom extension key (the ownership mark) is stored and returned unchanged;
 *  - a workflow's BundleInfo without a BundleId is kept (the workflows' ownership mark);
 *  - how long a created task takes to appear in ListTriggerTasks (list lag);
 *  - which extension keys the server adds per task kind;
 *  - the extension keys of Run Workflow (140) tasks: written and read back, or, with a sample task made
 *    in the console, read from it.
 * The findings are returned for the CLI to keep (`wedata.doctor.json`), and the deployer adapts to them.
 */
import { randomBytes } from "node:crypto";
import type { RateLimitedCaller } from "./caller.js";
import { ApiCallError } from "./errors.js";
import { LOCK_FOLDER } from "./lock-name.js";
import { ensureLockFolder } from "./lock.js";
import { RUN_WORKFLOW_KEYS, type Findings } from "./findings.js";
import { BUNDLE_MARK, OWNER_EXT_KEY } from "./ownership.js";
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
  /** What was measured, for the deployer (kept by the CLI in wedata.doctor.json). */
  readonly findings: Findings;
  /** Whether the scratch workflow and its tasks were all removed again. */
  readonly cleanedUp: boolean;
}

const read = { retryAmbiguous: true };

/** Run the checks in a scratch workflow under the lock folder; everything created is removed, whatever happens. */
export async function runDoctor(
  caller: RateLimitedCaller,
  projectId: string,
  o: { signal?: AbortSignal; sampleTask?: string; maxLagMs?: number } = {},
): Promise<DoctorReport> {
  const name = `wedata_kit_doctor_${randomBytes(4).toString("hex")}`;
  const created: string[] = [];
  let workflowId: string | undefined;
  const otherWorkflows: string[] = [];
  const checks: DoctorCheck[] = [];
  const findings: { -readonly [K in keyof Findings]: Findings[K] } = { projectId, checkedAt: new Date().toISOString() };
  const stopIfAsked = () => {
    if (o.signal?.aborted) throw new Error("stopped");
  };
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
    for (const id of [workflowId, ...otherWorkflows]) {
      if (!id) continue;
      try {
        await caller.call("DeleteTriggerWorkflow", { ProjectId: projectId, WorkflowId: id }, read);
      } catch {
        ok = false;
      }
    }
    return ok;
  };
  try {
    await ensureLockFolder(caller, projectId);
    // The scratch workflow carries a BundleInfo without a BundleId, as every workflow wedata-kit creates.
    const bundle = JSON.stringify({ managedBy: BUNDLE_MARK, project: "wedata-kit-doctor" });
    workflowId = (
      await caller.call(
        "CreateTriggerWorkflow",
        {
          ProjectId: projectId,
          WorkflowName: name,
          ParentFolderPath: LOCK_FOLDER,
          WorkflowDesc: "wedata-kit doctor: removed when it finishes",
          BundleInfo: bundle,
        },
        { retryAmbiguous: false },
      )
    ).Data?.WorkflowId;
    if (!workflowId) throw new Error("CreateTriggerWorkflow answered without a WorkflowId");
    const body = (taskName: string, ext: Array<{ ParamKey: string; ParamValue: string }> = []) => ({
      ProjectId: projectId,
      TriggerTaskBaseAttribute: { TaskName: taskName, TaskTypeId: "35", WorkflowId: workflowId! },
      TriggerTaskConfiguration: {
        CodeContent: Buffer.from("exit 0\n").toString("base64"),
        ...(ext.length && { TaskExtConfigurationList: ext }),
      },
      TriggerTaskSchedulerConfiguration: { ScheduleType: 1 },
    });

    // 1 and 2: two creates of the same name at once, as two deployers taking the lock would.
    const results = await Promise.allSettled(
      [0, 1].map(() => caller.call("CreateTriggerTask", body("twin"), { retryAmbiguous: false })),
    );
    for (const r of results) if (r.status === "fulfilled" && r.value.Data?.TaskId) created.push(r.value.Data.TaskId);
    const listed = (
      await listAll<{ TaskId: string; TaskName?: string; WorkflowId: string }>(
        (PageNumber) =>
          caller
            .call(
              "ListTriggerTasks",
              { ProjectId: projectId, WorkflowId: workflowId!, PageNumber, PageSize: 200 },
              read,
            )
            .then((r) => r.Data),
        "ListTriggerTasks",
      )
    ).filter((t) => t.TaskName === "twin" && t.WorkflowId === workflowId);
    for (const t of listed) if (!created.includes(t.TaskId)) created.push(t.TaskId);
    const refusal = results.find((r): r is PromiseRejectedResult => r.status === "rejected")?.reason;
    // What the creates answered and what the list shows (a list that lags may not show them yet).
    const twins = new Set([
      ...results.flatMap((r) => (r.status === "fulfilled" && r.value.Data?.TaskId ? [r.value.Data.TaskId] : [])),
      ...listed.map((t) => t.TaskId),
    ]);
    const atomic = twins.size === 1;
    checks.push({
      check: "a second task of the same name in a workflow is refused, also when both are created at once",
      expected: "one task",
      observed: `${twins.size} task(s)`,
      consequence: atomic
        ? "the deploy lock keeps deployers apart"
        : "the deploy lock cannot keep two deployers apart on this target: run one deploy at a time (a CI " +
          "concurrency group)",
      ok: atomic,
    });
    const code =
      refusal instanceof ApiCallError
        ? (refusal.code ?? "no code (transport)")
        : refusal
          ? String((refusal as Error).message ?? refusal)
          : "none (both created)";
    findings.duplicateTaskCode = code;
    checks.push({
      check: "the error a duplicate task name gets",
      expected: "InvalidParameter.DuplicateName (documented, never relied on)",
      observed: code,
      consequence: "after any failed or unclear create, the deployer looks the name up and adopts what is there",
      ok: true,
    });
    stopIfAsked();

    // The same for a workflow name.
    let workflowCode = "none (created twice)";
    try {
      const twin = (
        await caller.call(
          "CreateTriggerWorkflow",
          { ProjectId: projectId, WorkflowName: name, ParentFolderPath: LOCK_FOLDER },
          { retryAmbiguous: false },
        )
      ).Data?.WorkflowId;
      if (twin) otherWorkflows.push(twin);
    } catch (e) {
      workflowCode = e instanceof ApiCallError ? (e.code ?? "no code (transport)") : String((e as Error).message);
    }
    findings.duplicateWorkflowCode = workflowCode;
    checks.push({
      check: "the error a duplicate workflow name gets",
      expected: "InvalidParameter.DuplicateName (documented, never relied on)",
      observed: workflowCode,
      consequence: otherWorkflows.length
        ? "two workflows can share a name here: plans match workflows by name, so keep names unique by hand"
        : "after a failed workflow create, the deployer looks the name up and adopts what is there",
      ok: otherWorkflows.length === 0,
    });

    // BundleInfo without BundleId: how workflows carry the ownership mark.
    const detail = (await caller.call("GetTriggerWorkflow", { ProjectId: projectId, WorkflowId: workflowId }, read))
      .Data;
    findings.bundleInfoKept = detail?.BundleInfo === bundle;
    checks.push({
      check: "a workflow's BundleInfo without a BundleId is kept (the workflows' ownership mark)",
      expected: bundle,
      observed: detail?.BundleInfo ?? "(dropped)",
      consequence: findings.bundleInfoKept
        ? "--prune and destroy recognise this project's workflows by their mark"
        : "workflows cannot carry the mark here: the deploy state on the target is what tells this project's workflows",
      ok: true,
    });

    // 3: the ownership mark, a custom extension key, round-trips unchanged.
    const mark = `doctor-${randomBytes(3).toString("hex")}`;
    const markedId = (
      await caller.call("CreateTriggerTask", body("marked", [{ ParamKey: OWNER_EXT_KEY, ParamValue: mark }]), {
        retryAmbiguous: false,
      })
    ).Data?.TaskId;
    if (markedId) created.push(markedId);
    const back = markedId
      ? (await caller.call("GetTriggerTask", { ProjectId: projectId, TaskId: markedId }, read)).Data
      : undefined;
    const value = back?.TriggerTaskConfiguration?.TaskExtConfigurationList?.find(
      (e) => e.ParamKey === OWNER_EXT_KEY,
    )?.ParamValue;
    findings.customExtKeyKept = value === mark;
    checks.push({
      check: `a custom extension key (${OWNER_EXT_KEY}, the ownership mark) is stored and returned unchanged`,
      expected: mark,
      observed: value ?? "(dropped)",
      consequence:
        value === mark
          ? "--prune and destroy recognise the tasks this project created"
          : "tasks cannot carry the ownership mark, nor any custom extension key (.ext()) here: code setting one " +
            "never converges",
      ok: value === mark,
    });
    stopIfAsked();

    // Server-added keys, per kind that can be created without outside resources.
    const serverKeys: Record<string, string[]> = {};
    for (const [typeId, label] of [
      ["35", "Shell"],
      ["30", "Python"],
    ] as const) {
      try {
        const id = (
          await caller.call(
            "CreateTriggerTask",
            {
              ...body(`kind_${typeId}`),
              TriggerTaskBaseAttribute: {
                ...body("").TriggerTaskBaseAttribute,
                TaskName: `kind_${typeId}`,
                TaskTypeId: typeId,
              },
            },
            { retryAmbiguous: false },
          )
        ).Data?.TaskId;
        if (!id) continue;
        created.push(id);
        const got = (await caller.call("GetTriggerTask", { ProjectId: projectId, TaskId: id }, read)).Data;
        serverKeys[typeId] = (got?.TriggerTaskConfiguration?.TaskExtConfigurationList ?? [])
          .map((e) => e.ParamKey)
          .sort();
      } catch (e) {
        if (!(e instanceof ApiCallError)) throw e;
        serverKeys[typeId] = [`(could not create a ${label} task: ${e.code ?? e.message})`];
      }
    }
    findings.serverKeys = serverKeys;
    checks.push({
      check: "extension keys the server adds per task kind",
      expected: "any (they are the server's)",
      observed: Object.entries(serverKeys)
        .map(([k, keys]) => `${k}: ${keys.join(", ") || "(none)"}`)
        .join("; "),
      consequence:
        "never compared nor removed: plans compare only keys the code sets or wedata-kit wrote; a full update sends " +
        "them back",
      ok: true,
    });
    stopIfAsked();

    // List lag: how long a created task takes to show in ListTriggerTasks.
    const lagged = (await caller.call("CreateTriggerTask", body("lagged"), { retryAmbiguous: false })).Data?.TaskId;
    if (lagged) created.push(lagged);
    const startedAt = Date.now();
    const maxLag = o.maxLagMs ?? 30_000;
    let seenAfter: number | undefined;
    while (lagged && Date.now() - startedAt <= maxLag) {
      const found =
        (
          await caller.call(
            "ListTriggerTasks",
            { ProjectId: projectId, WorkflowId: workflowId, TaskName: "lagged", PageNumber: 1, PageSize: 200 },
            read,
          )
        ).Data?.Items ?? [];
      if (found.some((t) => t.TaskId === lagged)) {
        seenAfter = Date.now() - startedAt;
        break;
      }
      stopIfAsked();
      await new Promise((r) => setTimeout(r, 250));
    }
    if (seenAfter !== undefined) findings.listLagMs = seenAfter;
    checks.push({
      check: "how long a created task takes to appear in ListTriggerTasks (list lag)",
      expected: "at once",
      observed: seenAfter === undefined ? `not within ${maxLag / 1000} s` : `${(seenAfter / 1000).toFixed(1)} s`,
      consequence:
        seenAfter === undefined
          ? "lookups after a failed create could miss a task that exists: deploys would not be safe here"
          : seenAfter < 500
            ? "lookups after a failed create see it at once"
            : `lookups after a failed create, and the deploy state's read-back, wait ` +
              `${(seenAfter / 1000).toFixed(1)} s first`,
      ok: seenAfter !== undefined,
    });
    stopIfAsked();

    // Run Workflow (140): the keys naming the workflow it runs.
    findings.runWorkflow = await runWorkflowKeys(
      caller,
      projectId,
      workflowId,
      name,
      created,
      o.sampleTask,
      (id) => otherWorkflows.push(id),
      checks,
    );
  } finally {
    // Always: also after a failure half-way, or Ctrl-C (the caller turns SIGINT into an abort and waits).
    cleanedUp = await cleanup();
  }
  return { checks, cleanedUp, findings };
}

/**
 * Run Workflow keys: a task written as wedata-kit writes it (naming the scratch workflow) is read back;
 * with a sample task (made in the console), the keys naming its workflow are read from it instead.
 */
async function runWorkflowKeys(
  caller: RateLimitedCaller,
  projectId: string,
  workflowId: string,
  workflowName: string,
  created: string[],
  sampleTask: string | undefined,
  keepWorkflow: (id: string) => unknown,
  checks: DoctorCheck[],
): Promise<Findings["runWorkflow"]> {
  if (sampleTask) {
    const got = (await caller.call("GetTriggerTask", { ProjectId: projectId, TaskId: sampleTask }, read)).Data;
    if (!got) throw new Error(`--sample-task ${sampleTask}: no such task in project ${projectId}`);
    const type = Number(got.TriggerTaskBaseAttribute?.TaskTypeId);
    const ext = got.TriggerTaskConfiguration?.TaskExtConfigurationList ?? [];
    const workflows = await listAll<{ WorkflowId?: string; WorkflowName?: string }>(
      (PageNumber) =>
        caller
          .call("ListTriggerWorkflows", { ProjectId: projectId, PageNumber, PageSize: 200 }, read)
          .then((r) => r.Data),
      "ListTriggerWorkflows",
    );
    const idKey = ext.find((e) => workflows.some((w) => w.WorkflowId === e.ParamValue));
    const target = workflows.find((w) => w.WorkflowId === idKey?.ParamValue);
    const nameKey = ext.find((e) => e.ParamKey !== idKey?.ParamKey && e.ParamValue === target?.WorkflowName);
    const found = type === 140 && idKey !== undefined && nameKey !== undefined;
    checks.push({
      check: `the extension keys of a Run Workflow task made in the console (task ${sampleTask})`,
      expected: `${RUN_WORKFLOW_KEYS.id} and ${RUN_WORKFLOW_KEYS.name}`,
      observed:
        type !== 140
          ? `task ${sampleTask} is of kind ${type}, not Run Workflow (140)`
          : `${idKey?.ParamKey ?? "(no key holds a workflow id)"} and ` +
            `${nameKey?.ParamKey ?? "(no key holds its name)"} (all keys: ${ext.map((e) => e.ParamKey).join(", ")})`,
      consequence: found
        ? `Run Workflow tasks are written with ${idKey.ParamKey} and ${nameKey.ParamKey} on this target`
        : "Run Workflow tasks cannot be deployed safely here: pass a Run Workflow task made in the console",
      ok: found,
    });
    return found
      ? {
          id: idKey.ParamKey,
          name: nameKey.ParamKey,
          confirmed: idKey.ParamKey === RUN_WORKFLOW_KEYS.id && nameKey.ParamKey === RUN_WORKFLOW_KEYS.name,
          from: "sample-task",
        }
      : undefined;
  }
  // A second scratch workflow for the task to run.
  const runName = `${workflowName}_run`;
  const runsId = (
    await caller.call(
      "CreateTriggerWorkflow",
      { ProjectId: projectId, WorkflowName: runName, ParentFolderPath: LOCK_FOLDER },
      { retryAmbiguous: false },
    )
  ).Data?.WorkflowId;
  if (!runsId) throw new Error("CreateTriggerWorkflow answered without a WorkflowId");
  keepWorkflow(runsId);
  let observed: string;
  let confirmed = false;
  try {
    const id = (
      await caller.call(
        "CreateTriggerTask",
        {
          ProjectId: projectId,
          TriggerTaskBaseAttribute: { TaskName: "runs", TaskTypeId: "140", WorkflowId: workflowId },
          TriggerTaskConfiguration: {
            TaskExtConfigurationList: [
              { ParamKey: RUN_WORKFLOW_KEYS.id, ParamValue: runsId },
              { ParamKey: RUN_WORKFLOW_KEYS.name, ParamValue: runName },
            ],
          },
          TriggerTaskSchedulerConfiguration: { ScheduleType: 1 },
        },
        { retryAmbiguous: false },
      )
    ).Data?.TaskId;
    if (id) created.push(id);
    const ext = id
      ? ((await caller.call("GetTriggerTask", { ProjectId: projectId, TaskId: id }, read)).Data
          ?.TriggerTaskConfiguration?.TaskExtConfigurationList ?? [])
      : [];
    const value = (k: string) => ext.find((e) => e.ParamKey === k)?.ParamValue;
    confirmed = value(RUN_WORKFLOW_KEYS.id) === runsId && value(RUN_WORKFLOW_KEYS.name) === runName;
    observed =
      `${RUN_WORKFLOW_KEYS.id}: ${value(RUN_WORKFLOW_KEYS.id) ?? "(dropped)"}, ${RUN_WORKFLOW_KEYS.name}: ` +
      `${value(RUN_WORKFLOW_KEYS.name) ?? "(dropped)"}`;
  } catch (e) {
    if (!(e instanceof ApiCallError)) throw e;
    observed = `the create was refused: ${e.code ? `[${e.code}] ` : ""}${e.message}`;
  }
  checks.push({
    check: "Run Workflow (140) tasks keep the keys naming the workflow they run",
    expected: `${RUN_WORKFLOW_KEYS.id}: ${runsId}, ${RUN_WORKFLOW_KEYS.name}: ${runName}`,
    observed,
    consequence: confirmed
      ? "Run Workflow tasks are deployed as written"
      : "this service names the workflow otherwise: make one Run Workflow task in the console and run `wedata doctor " +
        "--sample-task <its TaskId>`; until then plans of .runWorkflow() tasks to this target warn",
    ok: confirmed,
  });
  return { ...RUN_WORKFLOW_KEYS, confirmed, from: "round-trip" };
}
