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

export function lowerTask(t: TaskNode, kind: TaskKind, ctx: LowerContext): TaskPayload {
  const ext = [...t.ext];
  for (const [k, v] of KIND_EXT[kind]?.(t, ctx) ?? []) if (!ext.some(([key]) => key === k)) ext.push([k, v]);
  const projectIdent = ctx.target.projectIdentifier ?? ctx.target.projectId;
  return {
    ProjectId: ctx.target.projectId,
    TriggerTaskBaseAttribute: {
      TaskName: t.name,
      TaskTypeId: String(TASK_KINDS[kind].typeId),
      WorkflowId: ctx.workflowId,
      ...(t.owner !== undefined && { OwnerUin: t.owner }),
      ...(t.description !== undefined && { TaskDescription: t.description }),
      ...(t.folder !== undefined && { TaskFolderPath: t.folder }),
    },
    TriggerTaskConfiguration: {
      ...(t.resourceGroup !== undefined && { ResourceGroup: t.resourceGroup }),
      ...(ctx.codeBase64 !== undefined && { CodeContent: ctx.codeBase64 }),
      ...(ext.length > 0 && { TaskExtConfigurationList: kvs(ext) }),
      ...(t.dataCluster !== undefined && { DataCluster: t.dataCluster }),
      ...(t.brokerIp !== undefined && { BrokerIp: t.brokerIp }),
      ...(t.yarnQueue !== undefined && { YarnQueue: t.yarnQueue }),
      ...(t.sourceServiceIds !== undefined && { SourceServiceId: t.sourceServiceIds.join(";") }),
      ...(t.targetServiceIds !== undefined && { TargetServiceId: t.targetServiceIds.join(";") }),
      ...(t.schedulingParams !== undefined && { TaskSchedulingParameterList: kvs(t.schedulingParams) }),
      ...(t.bundleId !== undefined && { BundleId: t.bundleId }),
      ...(t.bundleInfo !== undefined && { BundleInfo: t.bundleInfo }),
    },
    TriggerTaskSchedulerConfiguration: {
      ...(ctx.upstream.length > 0 && {
        UpstreamDependencyConfigList: ctx.upstream.map((name) => ({ TaskId: taskPlaceholder(ctx.workflowName, name) })),
      }),
      RunPriorityType: t.priority ?? SCHEDULER_DEFAULTS.RunPriorityType,
      RetryWaitMinute: t.retryWaitMinutes ?? SCHEDULER_DEFAULTS.RetryWaitMinute,
      MaxRetryNumber: t.maxRetries ?? SCHEDULER_DEFAULTS.MaxRetryNumber,
      ExecutionTTLMinute: t.executionTimeoutMinutes ?? SCHEDULER_DEFAULTS.ExecutionTTLMinute,
      WaitExecutionTotalTTLMinute: t.waitTimeoutMinutes ?? SCHEDULER_DEFAULTS.WaitExecutionTotalTTLMinute,
      AllowRedoType: t.redo ?? SCHEDULER_DEFAULTS.AllowRedoType,
      ...(t.outputs !== undefined && { ParamTaskOutList: kvs(t.outputs) }),
      ...(t.inputs !== undefined && {
        ParamTaskInList: t.inputs.map((p) =>
          p.kind === "fromTask"
            ? {
                ParamKey: p.key,
                ParamDesc: p.desc ?? `${projectIdent}.${p.from.name}.${p.fromParam}`,
                FromTaskId: taskPlaceholder(ctx.workflowName, p.from.name),
                FromParamKey: p.fromParam,
                Type: "TASK" as const,
              }
            : {
                ParamKey: p.key,
                ParamDesc: p.desc ?? p.constant,
                FromTaskId: "",
                FromParamKey: p.constant,
                Type: "CONSTANT" as const,
              },
        ),
      }),
      ...(t.outputRegistry !== undefined && {
        TaskOutputRegistryList: t.outputRegistry.map((r) => ({
          DatasourceId: r.datasourceId,
          DatabaseName: r.database,
          TableName: r.table,
          PartitionName: r.partition,
          DataFlowType: r.flow,
          TablePhysicalId: r.tablePhysicalId,
          ...(r.dbGuid !== undefined && { DbGuid: r.dbGuid }),
          ...(r.tableGuid !== undefined && { TableGuid: r.tableGuid }),
          ...(r.catalog !== undefined && { CatalogName: r.catalog }),
          ...(r.datasourceName !== undefined && { DatasourceName: r.datasourceName }),
          ...(r.qualifiedName !== undefined && { QualifiedName: r.qualifiedName }),
        })),
      }),
      ...(t.triggerPolicy !== undefined && { DependencyTriggerPolicy: t.triggerPolicy }),
      ...(t.allowDownstream !== undefined && { AllowDownstreamDependency: t.allowDownstream ? 1 : 0 }),
      ...(t.dryRun !== undefined && { ScheduleType: t.dryRun ? 1 : 0 }),
    },
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
