import { z } from "zod";
import {
  REDO_POLICIES,
  TRIGGER_POLICIES,
  CYCLE_TYPES,
  CONFIG_MODES,
  SCHEDULER_STATUSES,
  DATA_FLOW_TYPES,
  TASK_KINDS,
} from "@wedata-kit/dsl";

/*
 * zod schemas mirroring the request types of the SDK's wedata v20250806 `wedata_models.d.ts`.
 * `sdk-types.typetest.ts` asserts at build time that their inferred types equal the SDK's.
 */

const kv = z.strictObject({ ParamKey: z.string(), ParamValue: z.string() });
const int = (min: number, max: number) => z.number().int().min(min).max(max);
const ttl = z
  .number()
  .int()
  .refine((n) => n === -1 || n >= 1, "must be -1 (no limit) or at least 1 minute");
const typeIds = Object.values(TASK_KINDS).map((k) => String(k.typeId)) as [string, ...string[]];

export const TaskExtParameterSchema = kv;
export const DependencyTriggerTaskBriefSchema = z.strictObject({ TaskId: z.string().min(1) });
export const InTaskParameterSchema = z.strictObject({
  ParamKey: z.string().min(1),
  ParamDesc: z.string(),
  FromTaskId: z.string(),
  FromParamKey: z.string(),
  Type: z.enum(["TASK", "CONSTANT"]).optional(),
});
export const TaskDataRegistrySchema = z.strictObject({
  DatasourceId: z.string(),
  DatabaseName: z.string(),
  TableName: z.string(),
  PartitionName: z.string(),
  DataFlowType: z.enum(DATA_FLOW_TYPES),
  TablePhysicalId: z.string(),
  DbGuid: z.string().optional(),
  TableGuid: z.string().optional(),
  CatalogName: z.string().optional(),
  DatasourceName: z.string().optional(),
  QualifiedName: z.string().optional(),
});

export const CreateTriggerTaskBaseAttributeSchema = z.strictObject({
  TaskName: z.string().min(1).max(100),
  TaskTypeId: z.enum(typeIds),
  WorkflowId: z.string().min(1),
  OwnerUin: z.string().optional(),
  TaskDescription: z.string().optional(),
  TaskFolderPath: z.string().optional(),
});

export const CreateTriggerTaskConfigurationSchema = z.strictObject({
  ResourceGroup: z.string().optional(),
  CodeContent: z.base64().optional(),
  TaskExtConfigurationList: z.array(kv).optional(),
  DataCluster: z.string().optional(),
  BrokerIp: z.string().optional(),
  YarnQueue: z.string().optional(),
  SourceServiceId: z.string().optional(),
  TargetServiceId: z.string().optional(),
  TaskSchedulingParameterList: z.array(kv).optional(),
  BundleId: z.string().optional(),
  BundleInfo: z.string().optional(),
});

export const CreateTriggerTaskSchedulerConfigurationSchema = z.strictObject({
  UpstreamDependencyConfigList: z.array(DependencyTriggerTaskBriefSchema).optional(),
  RunPriorityType: int(4, 6).optional(),
  RetryWaitMinute: int(1, 1440).optional(),
  MaxRetryNumber: int(0, 99).optional(),
  ExecutionTTLMinute: ttl.optional(),
  WaitExecutionTotalTTLMinute: ttl.optional(),
  AllowRedoType: z.enum(REDO_POLICIES).optional(),
  ParamTaskOutList: z.array(kv).optional(),
  ParamTaskInList: z.array(InTaskParameterSchema).optional(),
  TaskOutputRegistryList: z.array(TaskDataRegistrySchema).optional(),
  DependencyTriggerPolicy: z.enum(TRIGGER_POLICIES).optional(),
  AllowDownstreamDependency: int(0, 1).optional(),
  ScheduleType: int(0, 1).optional(),
});

export const CreateTriggerTaskRequestSchema = z.strictObject({
  ProjectId: z.string().regex(/^\d+$/, "ProjectId is a numeric string"),
  TriggerTaskBaseAttribute: CreateTriggerTaskBaseAttributeSchema,
  TriggerTaskConfiguration: CreateTriggerTaskConfigurationSchema,
  TriggerTaskSchedulerConfiguration: CreateTriggerTaskSchedulerConfigurationSchema,
});

export const WorkflowTriggerConfigSchema = z.strictObject({
  TriggerMode: z.enum(["TIME_TRIGGER", "FILE_ARRIVAL", "CONTINUE_RUN"]).optional(),
  ExtraInfo: z.string().optional(),
  ScheduleTimeZone: z
    .string()
    .regex(/^UTC[+-]\d{1,2}(:\d{2})?$/, 'time zone like "UTC+8"')
    .optional(),
  StartTime: z.string().optional(),
  EndTime: z.string().optional(),
  ConfigMode: z.enum(CONFIG_MODES).optional(),
  CycleType: z.enum(CYCLE_TYPES).optional(),
  CrontabExpression: z.string().optional(),
  TriggerId: z.string().optional(),
  FileArrivalPath: z.string().optional(),
  SchedulerStatus: z.enum(SCHEDULER_STATUSES).optional(),
  FileNamePattern: z
    .string()
    .regex(/^[^/]*$/, "file name pattern cannot contain /")
    .optional(),
  Recursive: int(0, 1).optional(),
  TriggerMinimumInterval: int(1, 1440).optional(),
  TriggerWaitTime: int(1, 60).optional(),
  TriggerMinimumIntervalSecond: z.number().int().optional(),
  TriggerWaitTimeSecond: z.number().int().optional(),
});

export const CreateTriggerWorkflowRequestSchema = z.strictObject({
  ProjectId: z.string().regex(/^\d+$/, "ProjectId is a numeric string"),
  WorkflowName: z.string().min(1).max(100),
  ParentFolderPath: z.string().startsWith("/"),
  WorkflowDesc: z.string().optional(),
  OwnerUin: z.string().optional(),
  WorkflowParams: z.array(kv).optional(),
  TriggerWorkflowSchedulerConfigurations: z.array(WorkflowTriggerConfigSchema).optional(),
  BundleId: z.string().optional(),
  BundleInfo: z.string().optional(),
  GeneralTaskParams: z
    .array(z.strictObject({ Type: z.literal("SPARK_SQL").optional(), Value: z.string().optional() }))
    .optional(),
  TriggerWorkflowRunConfiguration: z
    .strictObject({ MaxConcurrentNum: int(1, 1000).optional(), QueuingMode: int(0, 1).optional() })
    .optional(),
  SchedulerStatus: z.enum(SCHEDULER_STATUSES).optional(),
  TriggerMode: z.enum(["TIME_TRIGGER", "FILE_ARRIVAL"]).optional(),
  ExecuteUserUin: z.string().optional(),
});

export type TaskPayload = z.infer<typeof CreateTriggerTaskRequestSchema>;
export type WorkflowPayload = z.infer<typeof CreateTriggerWorkflowRequestSchema>;
