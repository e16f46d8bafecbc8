import { randomUUID } from "node:crypto";
import { ApiError, badValue, notFound } from "./api-error.js";
import type { KeyPair } from "./signature.js";
import type { Store, TaskRow, WorkflowRow } from "./store.js";

export interface ActionContext {
  readonly store: Store;
  readonly account: KeyPair;
  readonly now: () => number;
  /** Fixed project list; when unset a project exists from its first use. */
  readonly projects?: readonly string[];
  readonly behaviour?: import("./server.js").EmulatorBehaviour;
  /** Creation times (ms) of tasks, for `behaviour.listLagMs`. */
  readonly createdAt?: Map<string, number>;
}

/** Whether a task is not in lists yet (`behaviour.listLagMs`). */
const lagging = (ctx: ActionContext, taskId: string) => {
  const lag = ctx.behaviour?.listLagMs;
  const at = ctx.createdAt?.get(taskId);
  return lag !== undefined && at !== undefined && ctx.now() - at < lag;
};

/** A service whose Run Workflow tasks use other extension keys keeps only those (`behaviour.runWorkflowKeys`). */
function keepRunWorkflowKeys(ctx: ActionContext, typeId: number, config: Req): Req {
  const keys = ctx.behaviour?.runWorkflowKeys;
  if (!keys || typeId !== 140 || !Array.isArray(config.TaskExtConfigurationList)) return config;
  return {
    ...config,
    TaskExtConfigurationList: (config.TaskExtConfigurationList as Array<{ ParamKey: string }>).filter(
      (e) => e.ParamKey !== "subWorkflowId" && e.ParamKey !== "subWorkflowName",
    ),
  };
}

const duplicate = (ctx: ActionContext, message: string) =>
  new ApiError(ctx.behaviour?.duplicateCode ?? "InvalidParameter.DuplicateName", message);

/** Extension keys the documentation names (WEDATA-API.md 7.1); others are dropped when the behaviour says so. */
const DOCUMENTED_EXT = new RegExp(
  `^(${[
    "extraInfo|enableKerberosLogin|specLabelConfItems|executionTTLStrategy|waitExecutionTotalTTLStrategy",
    "waitExecutionTotalTTL|calendar_.*|data_cluster|source_.*|service_type|target_.*|python_.*",
    "ssmDynamicSkSwitch|dlc.*|computeResource.*|IsInherit|runConfParams|cmdargs.*|job_type|dataEngine",
    "roleArn|spark_cmd_args|ftp\\.file\\.name|shell\\..*|bucket|region|tenantId|sql\\.file\\.name|notebook\\..*",
    "isGitTask|git\\..*|concurrency|dirtyDataThreshold.*|syncRateLimit.*|enableDataContrast",
    "dataContrastRule|targetScope|sourceScope|subWorkflowId|subWorkflowName",
  ].join("|")})$`,
);

function keepDocumentedExt(ctx: ActionContext, config: Req): Req {
  if (!ctx.behaviour?.dropUnknownExtKeys || !Array.isArray(config.TaskExtConfigurationList)) return config;
  return {
    ...config,
    TaskExtConfigurationList: (config.TaskExtConfigurationList as Array<{ ParamKey: string }>).filter((e) =>
      DOCUMENTED_EXT.test(e.ParamKey),
    ),
  };
}

type Req = Record<string, any>;
export type Handler = (req: Req, ctx: ActionContext) => Record<string, unknown>;

const TASK_FOLDER_TYPE: Record<number, string> = { 26: "ETL", 32: "DLC", 46: "DLC", 50: "DLC", 139: "DLC" };
export const folderTypeOf = (typeId: number) => TASK_FOLDER_TYPE[typeId] ?? "GENERAL";
const TYPE_DESC: Record<number, string> = {
  26: "OfflineSynchronization",
  30: "Python",
  32: "DLC SQL",
  35: "Shell",
  38: "Shell Form Mode",
  46: "DLC Spark",
  50: "DLC PySpark",
  130: "Branch Node",
  131: "Merged Node",
  132: "Notebook",
  133: "SSH",
  137: "For-each",
  139: "DLC Spark Streaming",
  140: "Run Workflow",
};
/** The console's default workflow folder, present in every project. */
export const DEFAULT_FOLDER = "/默认文件夹";

/** `yyyy-MM-dd HH:mm:ss` in UTC+8, as WeData prints times. */
function cnTime(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().replace("T", " ").slice(0, 19);
}
function compactTime(ms: number): string {
  return new Date(ms + 8 * 3600_000)
    .toISOString()
    .replace(/[-T:.Z]/g, "")
    .slice(0, 17);
}

function project(req: Req, ctx: ActionContext): string {
  const id = req.ProjectId as string;
  if (ctx.projects) {
    if (!ctx.projects.includes(id)) throw notFound(`project ${id}`);
  } else if (!ctx.store.hasProject(id)) {
    ctx.store.addProject(id);
    ctx.store.addWorkflowFolder(id, DEFAULT_FOLDER, randomUUID(), ctx.account.uin);
  }
  return id;
}

function paging<T>(items: readonly T[], req: Req) {
  const size = (req.PageSize as number | undefined) ?? 10;
  const num = (req.PageNumber as number | undefined) ?? 1;
  return {
    Items: items.slice((num - 1) * size, num * size),
    PageNumber: num,
    PageSize: size,
    TotalCount: items.length,
    TotalPageNumber: Math.max(1, Math.ceil(items.length / size)),
  };
}

function requireWorkflow(ctx: ActionContext, projectId: string, workflowId: string): WorkflowRow {
  const w = ctx.store.getWorkflow(projectId, workflowId);
  if (!w) throw notFound(`workflow ${workflowId} in project ${projectId}`);
  return w;
}

function requireTask(ctx: ActionContext, projectId: string, taskId: string): TaskRow {
  const t = ctx.store.getTask(projectId, taskId);
  if (!t) throw notFound(`task ${taskId} in project ${projectId}`);
  return t;
}

const parentOf = (path: string) => (path.lastIndexOf("/") <= 0 ? "/" : path.slice(0, path.lastIndexOf("/")));
const joinPath = (parent: string, name: string) => (parent === "/" ? `/${name}` : `${parent}/${name}`);

function checkWorkflowFolder(ctx: ActionContext, projectId: string, path: string, field: string) {
  if (path !== "/" && !ctx.store.hasWorkflowFolder(projectId, path))
    throw notFound(`workflow folder ${path} (${field}); create it with CreateWorkflowFolder first`);
}

function checkTaskFolder(ctx: ActionContext, w: WorkflowRow, typeId: number, path: string | undefined) {
  if (path === undefined || path === "/" || path === "") return;
  if (!ctx.store.hasTaskFolder(w.workflowId, folderTypeOf(typeId), path)) {
    throw notFound(
      `task folder ${path} of type ${folderTypeOf(typeId)} in workflow ${w.workflowId}; create it with ` +
        `CreateTaskFolder first`,
    );
  }
}

function checkUpstreams(
  ctx: ActionContext,
  projectId: string,
  workflowId: string,
  selfId: string | undefined,
  scheduler: Req,
): string[] {
  const ids = ((scheduler.UpstreamDependencyConfigList as Array<{ TaskId: string }> | undefined) ?? []).map(
    (d) => d.TaskId,
  );
  for (const id of ids) {
    if (id === selfId) throw badValue("UpstreamDependencyConfigList", `task ${id} cannot depend on itself`);
    const up = ctx.store.getTask(projectId, id);
    if (!up) throw notFound(`upstream task ${id}`);
    if (up.workflowId !== workflowId)
      throw badValue(
        "UpstreamDependencyConfigList",
        `upstream task ${id} belongs to another workflow; dependencies must stay within one workflow`,
      );
  }
  return [...new Set(ids)];
}

/** Base64 that decodes and re-encodes to itself: stray characters or bad padding are refused. */
function checkCanonicalBase64(base64: unknown) {
  if (typeof base64 === "string" && base64.length > 0 && Buffer.from(base64, "base64").toString("base64") !== base64) {
    throw badValue("TriggerTaskConfiguration.CodeContent", "is not canonical base64");
  }
}

// ---------- workflows ----------

function workflowDetail(w: WorkflowRow) {
  const d = w.doc;
  return {
    WorkflowName: w.name,
    OwnerUin: w.ownerUin,
    CreateUserUin: w.createUserUin,
    WorkflowParams: d.WorkflowParams ?? [],
    TriggerWorkflowSchedulerConfigurations: d.TriggerWorkflowSchedulerConfigurations ?? null,
    WorkflowDesc: d.WorkflowDesc ?? "",
    Path: joinPath(w.folder, w.name),
    BundleId: d.BundleId ?? null,
    BundleInfo: d.BundleInfo ?? null,
    GeneralTaskParams: d.GeneralTaskParams ?? null,
    SchedulerStatus: d.SchedulerStatus ?? null,
    TriggerWorkflowRunConfiguration: d.TriggerWorkflowRunConfiguration ?? null,
    TriggerMode: d.TriggerMode ?? null,
    ExecuteUserUin: d.ExecuteUserUin ?? null,
  };
}

/** Trigger configs get a server-assigned TriggerId, kept across updates when the config is re-sent. */
function withTriggerIds(configs: unknown, previous: unknown): unknown {
  if (!Array.isArray(configs)) return configs;
  const prev = Array.isArray(previous) ? (previous as Req[]) : [];
  return configs.map((c: Req, i) => ({ ...c, TriggerId: c.TriggerId ?? prev[i]?.TriggerId ?? randomUUID() }));
}

const WORKFLOW_SETTINGS = [
  "WorkflowDesc",
  "WorkflowParams",
  "TriggerWorkflowSchedulerConfigurations",
  "BundleId",
  "BundleInfo",
  "GeneralTaskParams",
  "TriggerWorkflowRunConfiguration",
  "SchedulerStatus",
  "TriggerMode",
  "ExecuteUserUin",
];

const createTriggerWorkflow: Handler = (req, ctx) => {
  const projectId = project(req, ctx);
  checkWorkflowFolder(ctx, projectId, req.ParentFolderPath, "ParentFolderPath");
  if (ctx.store.workflowByName(projectId, req.WorkflowName)) {
    throw duplicate(ctx, `A workflow named "${req.WorkflowName}" already exists in project ${projectId}.`);
  }
  const doc: Req = {};
  for (const k of WORKFLOW_SETTINGS) if (req[k] !== undefined) doc[k] = req[k];
  if (ctx.behaviour?.dropBundleInfoWithoutId && doc.BundleId === undefined) delete doc.BundleInfo;
  doc.TriggerWorkflowSchedulerConfigurations = withTriggerIds(doc.TriggerWorkflowSchedulerConfigurations, undefined);
  const now = cnTime(ctx.now());
  const workflowId = randomUUID();
  ctx.store.putWorkflow({
    projectId,
    workflowId,
    name: req.WorkflowName,
    folder: req.ParentFolderPath,
    doc,
    ownerUin: req.OwnerUin ?? ctx.account.uin,
    createUserUin: ctx.account.uin,
    createTime: now,
    modifyTime: now,
  });
  return { Data: { WorkflowId: workflowId } };
};

const getTriggerWorkflow: Handler = (req, ctx) => ({
  Data: workflowDetail(requireWorkflow(ctx, project(req, ctx), req.WorkflowId)),
});

const listTriggerWorkflows: Handler = (req, ctx) => {
  const projectId = project(req, ctx);
  const items = ctx.store
    .listWorkflows(projectId)
    .filter(
      (w) =>
        (req.Keyword === undefined || w.name.includes(req.Keyword) || w.workflowId === req.Keyword) &&
        (req.ParentFolderPath === undefined || w.folder === req.ParentFolderPath) &&
        (req.OwnerUin === undefined || w.ownerUin === req.OwnerUin),
    )
    .map((w) => ({
      WorkflowId: w.workflowId,
      WorkflowName: w.name,
      OwnerUin: w.ownerUin,
      CreateTime: w.createTime,
      ModifyTime: w.modifyTime,
      UpdateUserUin: ctx.account.uin,
      WorkflowDesc: (w.doc.WorkflowDesc as string) ?? "",
      CreateUserUin: w.createUserUin,
      ExecuteUserUin: (w.doc.ExecuteUserUin as string) ?? w.createUserUin,
    }));
  return { Data: paging(items, req) };
};

const updateTriggerWorkflow: Handler = (req, ctx) => {
  const projectId = project(req, ctx);
  const w = requireWorkflow(ctx, projectId, req.WorkflowId);
  if (req.WorkflowName !== undefined && req.WorkflowName !== w.name) {
    const other = ctx.store.workflowByName(projectId, req.WorkflowName);
    if (other)
      throw new ApiError(
        "InvalidParameter.DuplicateName",
        `A workflow named "${req.WorkflowName}" already exists in project ${projectId}.`,
      );
  }
  const doc: Req = { ...w.doc };
  for (const k of WORKFLOW_SETTINGS) if (req[k] !== undefined) doc[k] = req[k];
  if (ctx.behaviour?.dropBundleInfoWithoutId && doc.BundleId === undefined) delete doc.BundleInfo;
  doc.TriggerWorkflowSchedulerConfigurations = withTriggerIds(
    doc.TriggerWorkflowSchedulerConfigurations,
    w.doc.TriggerWorkflowSchedulerConfigurations,
  );
  ctx.store.putWorkflow({
    ...w,
    name: req.WorkflowName ?? w.name,
    ownerUin: req.OwnerUin ?? w.ownerUin,
    doc,
    modifyTime: cnTime(ctx.now()),
  });
  return { Data: { Status: true } };
};

const deleteTriggerWorkflow: Handler = (req, ctx) => {
  const projectId = project(req, ctx);
  const w = requireWorkflow(ctx, projectId, req.WorkflowId);
  const n = ctx.store.countTasks(w.workflowId);
  if (n > 0)
    throw new ApiError("FailedOperation", `Workflow ${w.workflowId} still holds ${n} task(s); delete them first.`);
  ctx.store.deleteTaskFolders(w.workflowId);
  ctx.store.deleteWorkflow(w.workflowId);
  return { Data: { Status: true } };
};

// ---------- tasks ----------

/**
 * Extension keys the server adds to a task when it stores it, as the vendor's published GetTriggerTask
 * and GetTask responses show them (../shared/wedata-examples): the same set on every kind, a file name
 * for the kinds whose program is a file, and the Python keys on Python tasks. They are stored with the
 * task, so a full update that leaves them out removes them (a client must send them back).
 */
export function serverAddedExt(
  t: Pick<TaskRow, "projectId" | "name" | "typeId" | "createUserUin">,
  w: WorkflowRow | undefined,
): Array<{ ParamKey: string; ParamValue: string }> {
  const folder = w ? `${w.folder === "/" ? "" : w.folder}/${w.name}` : "";
  const base = `/datastudio/project/${t.projectId}${folder}/${t.name}`;
  const keys: Array<[string, string]> = [
    ["bucket", "wedata-resource-emulator"],
    ["specLabelConfItems", Buffer.from(JSON.stringify({ specLabelConfItems: [] })).toString("base64")],
    ["tenantId", t.createUserUin],
    ["calendar_open", "0"],
    ["region", "ap-guangzhou"],
    ["waitExecutionTotalTTL", "-1"],
    ["enableKerberosLogin", "false"],
    ["extraInfo", JSON.stringify({ fromMapping: false })],
  ];
  const file = FILE_EXTENSION[t.typeId];
  if (file) keys.push([t.typeId === 32 ? "sql.file.name" : "ftp.file.name", `${base}.${file}`]);
  if (t.typeId === 30) {
    keys.push(
      ["python_type", "python3"],
      ["python_sub_version", "python3.11"],
      ["data_cluster", ""],
      ["calendar_id", ""],
      ["calendar_name", ""],
      ["executionTTLStrategy", "fail"],
      ["waitExecutionTotalTTLStrategy", "fail"],
    );
  }
  return keys.map(([ParamKey, ParamValue]) => ({ ParamKey, ParamValue }));
}
const FILE_EXTENSION: Record<number, string> = { 30: "py", 32: "sql", 35: "sh", 38: "sh", 133: "sh" };

/** The stored extension list with the server's keys added where the request did not set them. */
function withServerExt(
  config: Req,
  t: Pick<TaskRow, "projectId" | "name" | "typeId" | "createUserUin">,
  w: WorkflowRow | undefined,
): Req {
  const ext = [
    ...((config.TaskExtConfigurationList as Array<{ ParamKey: string; ParamValue: string }> | undefined) ?? []),
  ];
  for (const s of serverAddedExt(t, w)) if (!ext.some((e) => e.ParamKey === s.ParamKey)) ext.push(s);
  return { ...config, TaskExtConfigurationList: ext };
}

/**
 * A task's base attribute. As the vendor's examples show: the list carries `TaskFolderPath` and versions
 * as strings ("V3", "" before the first submit) and no update user name; GetTriggerTask leaves the folder
 * out, has null versions and names who changed the task last.
 */
function baseAttribute(t: TaskRow, w: WorkflowRow | undefined) {
  const b = t.doc.base;
  const common = {
    TaskId: t.taskId,
    TaskTypeId: t.typeId,
    WorkflowId: t.workflowId,
    TaskName: t.name,
    TaskLatestVersionNo: `V${t.version}`,
    TaskLatestSubmitVersionNo: t.submitVersion === null ? "" : `V${t.submitVersion}`,
    WorkflowName: w?.name ?? null,
    Status: t.status,
    Submit: t.submitVersion === t.version,
    CreateTime: t.createTime,
    LastUpdateTime: t.modifyTime,
    LastUpdateUserName: null as string | null,
    LastOpsTime: null,
    LastOpsUserName: null,
    OwnerUin: (b.OwnerUin as string) ?? t.createUserUin,
    TaskDescription: (b.TaskDescription as string) ?? null,
    UpdateUserUin: t.doc.by ?? t.createUserUin,
    CreateUserUin: t.createUserUin,
  };
  return { ...common, TaskFolderPath: (b.TaskFolderPath as string) ?? "/" };
}

function getBaseAttribute(t: TaskRow, w: WorkflowRow | undefined) {
  const { TaskFolderPath: _folder, ...rest } = baseAttribute(t, w);
  return {
    ...rest,
    TaskLatestVersionNo: null,
    TaskLatestSubmitVersionNo: null,
    LastUpdateUserName: userName(t.doc.by ?? t.createUserUin),
  };
}

/** The name WeData shows for an account (the emulator has no user directory: the uin stands in). */
const userName = (uin: string) => `user_${uin}`;

function fullTask(t: TaskRow, ctx: ActionContext) {
  const w = ctx.store.getWorkflow(t.projectId, t.workflowId);
  const config = { ...t.doc.config };
  return {
    TriggerTaskBaseAttribute: getBaseAttribute(t, w),
    TriggerTaskConfiguration: {
      CodeContent: config.CodeContent ?? null,
      TaskExtConfigurationList: (config.TaskExtConfigurationList as unknown[] | undefined) ?? [],
      DataCluster: config.DataCluster ?? null,
      BrokerIp: config.BrokerIp ?? null,
      YarnQueue: config.YarnQueue ?? null,
      SourceServiceId: config.SourceServiceId ?? null,
      SourceServiceType: config.SourceServiceType ?? null,
      SourceServiceName: config.SourceServiceName ?? null,
      TargetServiceId: config.TargetServiceId ?? null,
      TargetServiceType: config.TargetServiceType ?? null,
      TargetServiceName: config.TargetServiceName ?? null,
      ResourceGroup: config.ResourceGroup ?? null,
      ResourceGroupName: config.ResourceGroup ? `resource-group-${config.ResourceGroup}` : null,
      TaskSchedulingParameterList: config.TaskSchedulingParameterList ?? [],
      BundleId: config.BundleId ?? null,
      BundleInfo: config.BundleInfo ?? null,
    },
    TriggerTaskSchedulerConfiguration: {
      UpstreamDependencyConfigList: ctx.store.upstreamIds(t.taskId).map((TaskId) => ({ TaskId })),
      RunPriorityType: 6,
      RetryWaitMinute: 5,
      MaxRetryNumber: 4,
      ExecutionTTLMinute: -1,
      WaitExecutionTotalTTLMinute: -1,
      AllowRedoType: "ALL",
      DependencyTriggerPolicy: "ALL_SUCCESS",
      AllowDownstreamDependency: 1,
      ScheduleType: 0,
      ParamTaskOutList: [],
      ParamTaskInList: [],
      TaskOutputRegistryList: [],
      ...t.doc.scheduler,
    },
  };
}

function saveVersion(ctx: ActionContext, t: TaskRow, upstream: readonly string[], time: number) {
  ctx.store.putTask(t, upstream);
  ctx.store.addVersion(t.taskId, "SAVE", t.version, `${t.taskId}_${compactTime(time)}`, "", t.doc, cnTime(time));
}

const createTriggerTask: Handler = (req, ctx) => {
  const projectId = project(req, ctx);
  const base = req.TriggerTaskBaseAttribute as Req;
  const w = requireWorkflow(ctx, projectId, base.WorkflowId);
  const typeId = Number(base.TaskTypeId);
  checkTaskFolder(ctx, w, typeId, base.TaskFolderPath);
  if (ctx.behaviour?.duplicateTaskNames !== "allow" && ctx.store.taskByName(w.workflowId, base.TaskName)) {
    throw duplicate(ctx, `A task named "${base.TaskName}" already exists in workflow ${w.workflowId}.`);
  }
  checkCanonicalBase64(req.TriggerTaskConfiguration.CodeContent);
  const upstream = checkUpstreams(ctx, projectId, w.workflowId, undefined, req.TriggerTaskSchedulerConfiguration);
  const time = ctx.now();
  const taskId = ctx.store.nextSequence("task_id", BigInt(compactTime(time))).toString();
  const { TaskName: _n, TaskTypeId: _t, WorkflowId: _w, ...baseRest } = base;
  const { UpstreamDependencyConfigList: _u, ...scheduler } = req.TriggerTaskSchedulerConfiguration as Req;
  const row: TaskRow = {
    projectId,
    taskId,
    workflowId: w.workflowId,
    name: base.TaskName,
    typeId,
    doc: {
      base: baseRest,
      config: withServerExt(
        keepRunWorkflowKeys(ctx, typeId, keepDocumentedExt(ctx, req.TriggerTaskConfiguration)),
        { projectId, name: base.TaskName, typeId, createUserUin: ctx.account.uin },
        w,
      ),
      scheduler,
      by: ctx.account.uin,
    },
    version: 1,
    submitVersion: null,
    status: "N",
    createUserUin: ctx.account.uin,
    createTime: cnTime(time),
    modifyTime: cnTime(time),
  };
  saveVersion(ctx, row, upstream, time);
  ctx.createdAt?.set(taskId, ctx.now());
  return { Data: { TaskId: taskId } };
};

/** A workflow stored as the console makes it (`RunningEmulator.addConsoleWorkflow`), in a folder that exists. */
export function addConsoleWorkflow(
  store: Store,
  w: { projectId: string; workflowId: string; name: string; folder?: string },
  time: number,
): void {
  const folder = w.folder ?? DEFAULT_FOLDER;
  if (!store.hasProject(w.projectId)) {
    store.addProject(w.projectId);
    store.addWorkflowFolder(w.projectId, DEFAULT_FOLDER, randomUUID(), "100000000999");
  }
  if (folder !== "/" && !store.hasWorkflowFolder(w.projectId, folder))
    store.addWorkflowFolder(w.projectId, folder, randomUUID(), "100000000999");
  store.putWorkflow({
    projectId: w.projectId,
    workflowId: w.workflowId,
    name: w.name,
    folder,
    doc: {},
    ownerUin: "100000000999",
    createUserUin: "100000000999",
    createTime: cnTime(time),
    modifyTime: cnTime(time),
  });
}

/** A task stored as the console makes it (`RunningEmulator.addConsoleTask`): any kind, the server's keys added. */
export function addConsoleTask(store: Store, t: import("./server.js").ConsoleTask, time: number): string {
  const w = store.getWorkflow(t.projectId, t.workflowId);
  if (!w) throw new Error(`addConsoleTask: workflow ${t.workflowId} does not exist in project ${t.projectId}`);
  const taskId = store.nextSequence("task_id", BigInt(compactTime(time))).toString();
  const config = withServerExt(
    {
      TaskExtConfigurationList: [...(t.ext ?? [])],
      ...(t.code !== undefined && { CodeContent: Buffer.from(t.code).toString("base64") }),
    },
    { projectId: t.projectId, name: t.name, typeId: t.typeId, createUserUin: "100000000999" },
    w,
  );
  const row: TaskRow = {
    projectId: t.projectId,
    taskId,
    workflowId: t.workflowId,
    name: t.name,
    typeId: t.typeId,
    doc: { base: {}, config, scheduler: {}, by: "100000000999" },
    version: 1,
    submitVersion: null,
    status: "N",
    createUserUin: "100000000999",
    createTime: cnTime(time),
    modifyTime: cnTime(time),
  };
  store.transaction(() => {
    store.putTask(row, [...(t.upstream ?? [])]);
    store.addVersion(taskId, "SAVE", 1, `${taskId}_${compactTime(time)}`, "", row.doc, cnTime(time));
  });
  return taskId;
}

const getTriggerTask: Handler = (req, ctx) => ({
  Data: fullTask(requireTask(ctx, project(req, ctx), req.TaskId), ctx),
});

const getTriggerTaskCode: Handler = (req, ctx) => {
  const t = requireTask(ctx, project(req, ctx), req.TaskId);
  const code = (t.doc.config.CodeContent as string | undefined) ?? "";
  return { Data: { CodeInfo: code, CodeFileSize: String(code.length) } };
};

const LIST_TASK_FILTERS = [
  "WorkflowId",
  "TaskName",
  "TaskTypeId",
  "OwnerUin",
  "Status",
  "Submit",
  "TaskFolderPathList",
  "TaskNodeTypeList",
];

const listTriggerTasks: Handler = (req, ctx) => {
  const projectId = project(req, ctx);
  const workflows = new Map(ctx.store.listWorkflows(projectId).map((w) => [w.workflowId, w]));
  // The whole project, page by page (what a deployer reads): paged in SQL, not in memory.
  if (LIST_TASK_FILTERS.every((f) => req[f] === undefined)) {
    const size = (req.PageSize as number | undefined) ?? 10;
    const num = (req.PageNumber as number | undefined) ?? 1;
    const total = ctx.store.countProjectTasks(projectId);
    const items = ctx.store
      .listTasks(projectId, { offset: (num - 1) * size, limit: size })
      .filter((t) => !lagging(ctx, t.taskId))
      .map((t) => baseAttribute(t, workflows.get(t.workflowId)));
    return {
      Data: {
        Items: items,
        PageNumber: num,
        PageSize: size,
        TotalCount: total,
        TotalPageNumber: Math.max(1, Math.ceil(total / size)),
      },
    };
  }
  const folderIn = (path: string, list: string[]) =>
    list.some((f) => f === "/" || path === f || path.startsWith(`${f}/`));
  const items = ctx.store
    .listTasks(projectId)
    .filter((t) => !lagging(ctx, t.taskId))
    .map((t) => ({ t, b: baseAttribute(t, workflows.get(t.workflowId)) }))
    .filter(({ t, b }) => {
      return (
        (req.WorkflowId === undefined || t.workflowId === req.WorkflowId) &&
        // Name search is fuzzy, as in the console: callers must compare names exactly themselves.
        (req.TaskName === undefined || t.name.includes(req.TaskName)) &&
        (req.TaskTypeId === undefined || t.typeId === req.TaskTypeId) &&
        (req.OwnerUin === undefined || b.OwnerUin === req.OwnerUin) &&
        (req.Status === undefined || t.status === req.Status) &&
        (req.Submit === undefined || b.Submit === req.Submit) &&
        (req.TaskFolderPathList === undefined || folderIn(b.TaskFolderPath, req.TaskFolderPathList)) &&
        (req.TaskNodeTypeList === undefined || req.TaskNodeTypeList.includes(folderTypeOf(t.typeId)))
      );
    })
    .map(({ b }) => b);
  return { Data: paging(items, req) };
};

function refuseImmutableChange(t: TaskRow, base: Req | undefined) {
  if (!base) return;
  if (base.WorkflowId !== undefined && base.WorkflowId !== t.workflowId)
    throw badValue(
      "TriggerTaskBaseAttribute.WorkflowId",
      "a task cannot move to another workflow; delete and recreate it",
    );
  if (base.TaskTypeId !== undefined && Number(base.TaskTypeId) !== t.typeId)
    throw badValue("TriggerTaskBaseAttribute.TaskTypeId", "a task's type cannot change; delete and recreate it");
}

function renameCheck(ctx: ActionContext, t: TaskRow, name: string | undefined) {
  if (name === undefined || name === t.name) return;
  if (ctx.store.taskByName(t.workflowId, name))
    throw new ApiError(
      "InvalidParameter.DuplicateName",
      `A task named "${name}" already exists in workflow ${t.workflowId}.`,
    );
}

const updateTriggerTask: Handler = (req, ctx) => {
  const projectId = project(req, ctx);
  const t = requireTask(ctx, projectId, req.TaskId);
  const {
    TriggerTaskBaseAttribute: base,
    TriggerTaskConfiguration: config,
    TriggerTaskSchedulerConfiguration: sched,
  } = req.Task as Req;
  refuseImmutableChange(t, base);
  renameCheck(ctx, t, base.TaskName);
  const w = requireWorkflow(ctx, projectId, t.workflowId);
  checkTaskFolder(ctx, w, t.typeId, base.TaskFolderPath);
  checkCanonicalBase64(config.CodeContent);
  const upstream = checkUpstreams(ctx, projectId, t.workflowId, t.taskId, sched);
  const { WorkflowId: _w, TaskTypeId: _t, TaskName: name, ...baseRest } = base as Req;
  const { UpstreamDependencyConfigList: _u, ...scheduler } = sched as Req;
  const time = ctx.now();
  saveVersion(
    ctx,
    {
      ...t,
      name,
      doc: {
        base: {
          ...(t.doc.base.TaskFolderPath !== undefined && { TaskFolderPath: t.doc.base.TaskFolderPath }),
          ...baseRest,
        },
        config: keepRunWorkflowKeys(ctx, t.typeId, keepDocumentedExt(ctx, config)),
        scheduler,
        by: ctx.account.uin,
      },
      version: t.version + 1,
      modifyTime: cnTime(time),
    },
    upstream,
    time,
  );
  return { Data: { Status: true } };
};

/** List fields merged by key in a partial update, and the key each is addressed by in FieldToRemoveList. */
const LIST_KEYS: Record<string, string> = {
  TaskSchedulingParameterList: "ParamKey",
  TaskExtConfigurationList: "ParamKey",
  UpstreamDependencyConfigList: "TaskId",
  ParamTaskOutList: "ParamKey",
  ParamTaskInList: "ParamKey",
  TaskOutputRegistryList: "TablePhysicalId",
};

function mergeSection(current: Req, patch: Req | undefined): Req {
  const out = { ...current };
  for (const [k, v] of Object.entries(patch ?? {})) {
    const key = LIST_KEYS[k];
    if (key && Array.isArray(v)) {
      const list = [...((out[k] as Req[]) ?? [])];
      for (const item of v as Req[]) {
        const i = list.findIndex((x) => x[key] === item[key]);
        if (i >= 0) list[i] = item;
        else list.push(item);
      }
      out[k] = list;
    } else out[k] = v;
  }
  return out;
}

const updateTriggerTaskPartially: Handler = (req, ctx) => {
  const projectId = project(req, ctx);
  const t = requireTask(ctx, projectId, req.TaskId);
  const ns = (req.NewSetting ?? {}) as Req;
  refuseImmutableChange(t, ns.TriggerTaskBaseAttribute);
  renameCheck(ctx, t, ns.TriggerTaskBaseAttribute?.TaskName);
  const { WorkflowId: _w, TaskTypeId: _t, TaskName: newName, ...baseRest } = (ns.TriggerTaskBaseAttribute ?? {}) as Req;
  const config = mergeSection(t.doc.config, ns.TriggerTaskConfiguration);
  const scheduler = mergeSection(
    { ...t.doc.scheduler, UpstreamDependencyConfigList: ctx.store.upstreamIds(t.taskId).map((TaskId) => ({ TaskId })) },
    ns.TriggerTaskSchedulerConfiguration,
  );
  for (const item of (req.FieldToRemoveList as string[] | undefined) ?? []) {
    const [path, keys] = [item.slice(0, item.indexOf(":")), item.slice(item.indexOf(":") + 1).split(",")];
    const [section, field] = path.split("/") as [string, string];
    const target =
      section === "TaskConfiguration" ? config : section === "TaskSchedulerConfiguration" ? scheduler : undefined;
    const key = LIST_KEYS[field];
    if (!target || !key) throw badValue("FieldToRemoveList", `cannot remove from ${path}`);
    target[field] = ((target[field] as Req[]) ?? []).filter((x) => !keys.includes(String(x[key])));
  }
  checkCanonicalBase64(config.CodeContent);
  const upstream = checkUpstreams(ctx, projectId, t.workflowId, t.taskId, scheduler);
  const { UpstreamDependencyConfigList: _u, ...schedRest } = scheduler;
  const time = ctx.now();
  saveVersion(
    ctx,
    {
      ...t,
      name: newName ?? t.name,
      doc: {
        base: { ...t.doc.base, ...baseRest },
        config: keepRunWorkflowKeys(ctx, t.typeId, keepDocumentedExt(ctx, config)),
        scheduler: schedRest,
        by: ctx.account.uin,
      },
      version: t.version + 1,
      modifyTime: cnTime(time),
    },
    upstream,
    time,
  );
  return { Data: { Status: true } };
};

const deleteTriggerTask: Handler = (req, ctx) => {
  const projectId = project(req, ctx);
  const t = requireTask(ctx, projectId, req.TaskId);
  const down = ctx.store.downstreamIds(t.taskId);
  if (down.length > 0)
    throw new ApiError(
      "FailedOperation",
      `Task ${t.taskId} still has downstream task(s) ${down.join(", ")}; remove those dependencies first.`,
    );
  ctx.store.deleteTask(t.taskId);
  return { Data: { Status: true } };
};

const submitTriggerTask: Handler = (req, ctx) => {
  const projectId = project(req, ctx);
  const t = requireTask(ctx, projectId, req.TaskId);
  const time = ctx.now();
  const versionId = `${t.taskId}_${compactTime(time)}`;
  ctx.store.putTask({ ...t, submitVersion: t.version, status: "Y" }, ctx.store.upstreamIds(t.taskId));
  ctx.store.addVersion(
    t.taskId,
    "SUBMIT",
    ctx.store.countVersions(t.taskId, "SUBMIT") + 1,
    versionId,
    req.VersionRemark,
    t.doc,
    cnTime(time),
  );
  return { Data: { VersionId: versionId, Status: true } };
};

function dependDto(t: TaskRow, ctx: ActionContext) {
  const w = ctx.store.getWorkflow(t.projectId, t.workflowId);
  return {
    TaskId: t.taskId,
    TaskName: t.name,
    WorkflowId: t.workflowId,
    WorkflowName: w?.name ?? null,
    ProjectId: t.projectId,
    Status: t.status,
    TaskTypeId: t.typeId,
    TaskTypeDesc: TYPE_DESC[t.typeId] ?? String(t.typeId),
    OwnerUin: (t.doc.base.OwnerUin as string) ?? t.createUserUin,
  };
}

const neighbours =
  (direction: "up" | "down"): Handler =>
  (req, ctx) => {
    const projectId = project(req, ctx);
    const t = requireTask(ctx, projectId, req.TaskId);
    const ids = direction === "up" ? ctx.store.upstreamIds(t.taskId) : ctx.store.downstreamIds(t.taskId);
    return {
      Data: paging(
        ids.map((id) => dependDto(ctx.store.getTask(projectId, id)!, ctx)),
        req,
      ),
    };
  };

// ---------- folders ----------

const createWorkflowFolder: Handler = (req, ctx) => {
  const projectId = project(req, ctx);
  checkWorkflowFolder(ctx, projectId, req.ParentFolderPath, "ParentFolderPath");
  const path = joinPath(req.ParentFolderPath, req.FolderName);
  if (ctx.store.hasWorkflowFolder(projectId, path))
    throw new ApiError("InvalidParameter.DuplicateName", `Folder ${path} already exists.`);
  const id = randomUUID();
  ctx.store.addWorkflowFolder(projectId, path, id, ctx.account.uin);
  return { Data: { FolderId: id } };
};

const listWorkflowFolders: Handler = (req, ctx) => {
  const projectId = project(req, ctx);
  const items = ctx.store
    .listWorkflowFolders(projectId)
    .filter((f) => parentOf(f.path) === req.ParentFolderPath)
    .map((f) => ({ ProjectId: projectId, FolderId: f.folderId, FolderPath: f.path, CreateUserUin: f.createUser }));
  return { Data: paging(items, req) };
};

const createTaskFolder: Handler = (req, ctx) => {
  const projectId = project(req, ctx);
  const w = requireWorkflow(ctx, projectId, req.WorkflowId);
  const parent = req.ParentTaskFolderPath as string;
  if (parent !== "/" && !ctx.store.hasTaskFolder(w.workflowId, req.TaskFolderType, parent))
    throw notFound(`task folder ${parent}`);
  const path = joinPath(parent, req.TaskFolderName);
  if (ctx.store.hasTaskFolder(w.workflowId, req.TaskFolderType, path))
    throw new ApiError("InvalidParameter.DuplicateName", `Task folder ${path} already exists.`);
  const id = randomUUID();
  ctx.store.addTaskFolder(projectId, w.workflowId, req.TaskFolderType, path, id, ctx.account.uin);
  return { Data: { TaskFolderId: id } };
};

const listTaskFolders: Handler = (req, ctx) => {
  const projectId = project(req, ctx);
  const w = requireWorkflow(ctx, projectId, req.WorkflowId);
  const items = ctx.store
    .listTaskFolders(w.workflowId, req.TaskFolderType)
    .filter((f) => parentOf(f.path) === req.ParentTaskFolderPath)
    .map((f) => ({
      ProjectId: projectId,
      TaskFolderId: f.folderId,
      TaskFolderPath: f.path,
      CreateUserUin: f.createUser,
    }));
  return { Data: paging(items, req) };
};

/** The actions the emulator implements; anything else is `InvalidAction`. */
export const HANDLERS: Readonly<Record<string, Handler>> = {
  CreateTriggerWorkflow: createTriggerWorkflow,
  GetTriggerWorkflow: getTriggerWorkflow,
  ListTriggerWorkflows: listTriggerWorkflows,
  UpdateTriggerWorkflow: updateTriggerWorkflow,
  DeleteTriggerWorkflow: deleteTriggerWorkflow,
  CreateTriggerTask: createTriggerTask,
  GetTriggerTask: getTriggerTask,
  GetTriggerTaskCode: getTriggerTaskCode,
  ListTriggerTasks: listTriggerTasks,
  UpdateTriggerTask: updateTriggerTask,
  UpdateTriggerTaskPartially: updateTriggerTaskPartially,
  DeleteTriggerTask: deleteTriggerTask,
  SubmitTriggerTask: submitTriggerTask,
  ListUpstreamTriggerTasks: neighbours("up"),
  ListDownstreamTriggerTasks: neighbours("down"),
  CreateWorkflowFolder: createWorkflowFolder,
  ListWorkflowFolders: listWorkflowFolders,
  CreateTaskFolder: createTaskFolder,
  ListTaskFolders: listTaskFolders,
};
