import { TASK_KINDS, type KeyValue, type TaskKind, type TaskNode, type WorkflowNode } from "@wedata-kit/dsl";
import type { TaskPayload, WorkflowPayload } from "./schemas.js";
import { taskPlaceholder, workflowPlaceholder } from "./refs.js";
import type { CompileTarget } from "./model.js";

/** What lowering a task needs besides the node: resolved references and code. */
export interface LowerContext {
  readonly target: CompileTarget;
  /** The workflow's id or its placeholder. */
  readonly workflowId: string;
  readonly workflowName: string;
  /** Resolved upstream task names (same workflow), deduplicated, in declared order. */
  readonly upstream: readonly string[];
  /** Base64 of the program, when the kind carries one. */
  readonly codeBase64?: string;
}

const kvs = (list: readonly KeyValue[]) => list.map(([ParamKey, ParamValue]) => ({ ParamKey, ParamValue }));

/**
 * Per-kind lowering: extension keys a kind adds from its references. A new kind in TASK_KINDS is a
 * type error here until it gets an entry.
 */
const KIND_EXT: { readonly [K in TaskKind]: ((t: TaskNode, ctx: LowerContext) => KeyValue[]) | null } = {
  offlineSync: null,
  python: null,
  dlcSql: null,
  shell: null,
  shellForm: null,
  dlcSpark: null,
  dlcPySpark: null,
  branch: null,
  merge: null,
  notebook: null,
  ssh: null,
  forEach: null,
  dlcSparkStreaming: null,
  // The nested workflow is named by id in extension keys; the id is a placeholder until deploy.
  runWorkflow: (t) =>
    t.runs
      ? [
          ["subWorkflowId", workflowPlaceholder(t.runs.name)],
          ["subWorkflowName", t.runs.name],
        ]
      : [],
};

/** Build the CreateTriggerTask body. Documented defaults are written out so reviewers see them. */
/** Scheduler values WeData assumes when a field is not sent (CreateTriggerTask's documentation); the deployer compares
 * with them. */
export const SCHEDULER_DEFAULTS = {
  RunPriorityType: 6,
  RetryWaitMinute: 5,
  MaxRetryNumber: 4,
  ExecutionTTLMinute: -1,
  WaitExecutionTotalTTLMinute: -1,
  AllowRedoType: "ALL",
  DependencyTriggerPolicy: "ALL_SUCCESS",
  AllowDownstreamDependency: 1,
  ScheduleType: 0,
} as const satisfies Record<string, unknown>;

/**
 * An object of the given fields, those set to undefined left out. Every field of the type is named (a field
 * forgotten is a type error), and the fields are written in sorted order: the payload is then in the canonical
 * writer's order as it is built, and freezing it copies nothing (see `freezeCanonical`).
 */
function fields<T extends object>(all: { readonly [K in keyof Required<T>]: Required<T>[K] | undefined }): T {
  const out: Record<string, unknown> = {};
  // Own keys only: a property added to Object.prototype by user code never becomes a field.
  for (const k of Object.keys(all) as Array<keyof typeof all & string>) {
    const v = all[k];
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}

type TaskBase = TaskPayload["TriggerTaskBaseAttribute"];
type TaskConfiguration = TaskPayload["TriggerTaskConfiguration"];
type TaskScheduler = TaskPayload["TriggerTaskSchedulerConfiguration"];
type TaskInput = NonNullable<TaskScheduler["ParamTaskInList"]>[number];
type TaskOutputRegistry = NonNullable<TaskScheduler["TaskOutputRegistryList"]>[number];

export function lowerTask(t: TaskNode, kind: TaskKind, ctx: LowerContext): TaskPayload {
  const ext = [...t.ext];
  for (const [k, v] of KIND_EXT[kind]?.(t, ctx) ?? []) if (!ext.some(([key]) => key === k)) ext.push([k, v]);
  const projectIdent = ctx.target.projectIdentifier ?? ctx.target.projectId;
  return {
    ProjectId: ctx.target.projectId,
    TriggerTaskBaseAttribute: fields<TaskBase>({
      OwnerUin: t.owner,
      TaskDescription: t.description,
      TaskFolderPath: t.folder,
      TaskName: t.name,
      TaskTypeId: String(TASK_KINDS[kind].typeId),
      WorkflowId: ctx.workflowId,
    }),
    TriggerTaskConfiguration: fields<TaskConfiguration>({
      BrokerIp: t.brokerIp,
      BundleId: t.bundleId,
      BundleInfo: t.bundleInfo,
      CodeContent: ctx.codeBase64,
      DataCluster: t.dataCluster,
      ResourceGroup: t.resourceGroup,
      SourceServiceId: t.sourceServiceIds?.join(";"),
      TargetServiceId: t.targetServiceIds?.join(";"),
      TaskExtConfigurationList: ext.length > 0 ? kvs(ext) : undefined,
      TaskSchedulingParameterList: t.schedulingParams && kvs(t.schedulingParams),
      YarnQueue: t.yarnQueue,
    }),
    TriggerTaskSchedulerConfiguration: fields<TaskScheduler>({
      AllowDownstreamDependency: t.allowDownstream === undefined ? undefined : t.allowDownstream ? 1 : 0,
      AllowRedoType: t.redo ?? SCHEDULER_DEFAULTS.AllowRedoType,
      DependencyTriggerPolicy: t.triggerPolicy,
      ExecutionTTLMinute: t.executionTimeoutMinutes ?? SCHEDULER_DEFAULTS.ExecutionTTLMinute,
      MaxRetryNumber: t.maxRetries ?? SCHEDULER_DEFAULTS.MaxRetryNumber,
      ParamTaskInList: t.inputs?.map((p) =>
        p.kind === "fromTask"
          ? fields<TaskInput>({
              FromParamKey: p.fromParam,
              FromTaskId: taskPlaceholder(ctx.workflowName, p.from.name),
              ParamDesc: p.desc ?? `${projectIdent}.${p.from.name}.${p.fromParam}`,
              ParamKey: p.key,
              Type: "TASK",
            })
          : fields<TaskInput>({
              FromParamKey: p.constant,
              FromTaskId: "",
              ParamDesc: p.desc ?? p.constant,
              ParamKey: p.key,
              Type: "CONSTANT",
            }),
      ),
      ParamTaskOutList: t.outputs && kvs(t.outputs),
      RetryWaitMinute: t.retryWaitMinutes ?? SCHEDULER_DEFAULTS.RetryWaitMinute,
      RunPriorityType: t.priority ?? SCHEDULER_DEFAULTS.RunPriorityType,
      ScheduleType: t.dryRun === undefined ? undefined : t.dryRun ? 1 : 0,
      TaskOutputRegistryList: t.outputRegistry?.map((r) =>
        fields<TaskOutputRegistry>({
          CatalogName: r.catalog,
          DataFlowType: r.flow,
          DatabaseName: r.database,
          DatasourceId: r.datasourceId,
          DatasourceName: r.datasourceName,
          DbGuid: r.dbGuid,
          PartitionName: r.partition,
          QualifiedName: r.qualifiedName,
          TableGuid: r.tableGuid,
          TableName: r.table,
          TablePhysicalId: r.tablePhysicalId,
        }),
      ),
      UpstreamDependencyConfigList:
        ctx.upstream.length > 0
          ? ctx.upstream.map((name) => ({ TaskId: taskPlaceholder(ctx.workflowName, name) }))
          : undefined,
      WaitExecutionTotalTTLMinute: t.waitTimeoutMinutes ?? SCHEDULER_DEFAULTS.WaitExecutionTotalTTLMinute,
    }),
  };
}

/** Build the CreateTriggerWorkflow body of a managed workflow. */
export function lowerWorkflow(w: WorkflowNode, target: CompileTarget): WorkflowPayload {
  return {
    ProjectId: target.projectId,
    WorkflowName: w.name,
    ParentFolderPath: w.folder ?? "/",
    ...(w.description !== undefined && { WorkflowDesc: w.description }),
    ...(w.owner !== undefined && { OwnerUin: w.owner }),
    ...(w.params !== undefined && { WorkflowParams: kvs(w.params) }),
    ...(w.schedules !== undefined && {
      TriggerWorkflowSchedulerConfigurations: w.schedules.map((s) =>
        s.triggerMode === "TIME_TRIGGER"
          ? {
              TriggerMode: s.triggerMode,
              SchedulerStatus: w.status ?? "ACTIVE",
              ScheduleTimeZone: s.timezone,
              StartTime: s.start,
              EndTime: s.end,
              ConfigMode: s.configMode,
              CycleType: s.cycle,
              CrontabExpression: s.cron,
            }
          : {
              TriggerMode: s.triggerMode,
              SchedulerStatus: w.status ?? "ACTIVE",
              FileArrivalPath: s.fileArrivalPath,
              ...(s.fileNamePattern !== undefined && { FileNamePattern: s.fileNamePattern }),
              Recursive: s.recursive === false ? 0 : 1,
              // Minutes, not TriggerMinimumIntervalSecond/TriggerWaitTimeSecond: the SDK's models document
              // ranges for the minute fields (1..1440, 1..60) and mark the second fields "to be deprecated,
              // do not use", although they appear in the same struct.
              TriggerMinimumInterval: s.minIntervalMinutes,
              TriggerWaitTime: s.batchWaitMinutes,
            },
      ),
    }),
    ...(w.bundleId !== undefined && { BundleId: w.bundleId }),
    ...(w.bundleInfo !== undefined && { BundleInfo: w.bundleInfo }),
    ...(w.sparkSqlParams !== undefined && {
      GeneralTaskParams: [
        { Type: "SPARK_SQL" as const, Value: w.sparkSqlParams.map(([k, v]) => `${k}=${v}`).join(";") },
      ],
    }),
    ...((w.maxConcurrentRuns !== undefined || w.queueWhenBusy !== undefined) && {
      TriggerWorkflowRunConfiguration: {
        ...(w.maxConcurrentRuns !== undefined && { MaxConcurrentNum: w.maxConcurrentRuns }),
        ...(w.queueWhenBusy !== undefined && { QueuingMode: w.queueWhenBusy ? 1 : 0 }),
      },
    }),
    ...(w.status !== undefined && { SchedulerStatus: w.status }),
    ...(w.schedules !== undefined && w.schedules.length > 0 && { TriggerMode: w.schedules[0]!.triggerMode }),
    ...(w.executeUser !== undefined && { ExecuteUserUin: w.executeUser }),
  };
}
