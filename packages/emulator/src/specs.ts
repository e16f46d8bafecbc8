import { arr, base64, bool, int, obj, req, str, type Field, type Spec } from "./spec.js";

/** TaskTypeId values a workflow-scheduling project accepts (API doc of CreateTriggerTask). */
export const TASK_TYPE_IDS = [26, 30, 32, 35, 38, 46, 50, 130, 131, 132, 133, 137, 139, 140] as const;
const REDO = ["ALL", "FAILURE", "NONE"];
const POLICIES = [
  "ALL_SUCCESS",
  "ALL_FAILED",
  "ALL_DONE",
  "ALL_DONE_AT_LEAST_ONE_SUCCESS",
  "ALL_SKIPPED",
  "ONE_FAILED",
  "ONE_SUCCESS",
  "ONE_DONE",
  "NONE_FAILED",
  "ALL_DONE_NONE_FAILED_AT_LEAST_ONE_SUCCESS",
  "NONE_SKIPPED",
  "ALL_DONE_AT_LEAST_ONE_FAILED",
];
export const FOLDER_TYPES = [
  "ETL",
  "EMR",
  "DLC",
  "SETATS",
  "TDSQL",
  "TCHOUSE",
  "GENERAL",
  "TI_ONE",
  "ACROSS_WORKFLOWS",
];

const project = req(str({ pattern: /^\d+$/ }));
const kv = obj({ ParamKey: req(str()), ParamValue: req(str()) });
const page = { PageNumber: int({ min: 1 }), PageSize: int({ min: 10, max: 200 }) };
const timeRange = arr(str({ pattern: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/ }), 2);

const taskConfigWrite: Record<string, Field> = {
  ResourceGroup: str(),
  CodeContent: base64,
  TaskExtConfigurationList: arr(kv),
  DataCluster: str(),
  BrokerIp: str(),
  YarnQueue: str(),
  SourceServiceId: str(),
  TargetServiceId: str(),
  TaskSchedulingParameterList: arr(kv),
  BundleId: str(),
  BundleInfo: str(),
};
/** The read struct (TriggerTaskConfiguration) that updates take. */
const taskConfigRead: Record<string, Field> = {
  ...taskConfigWrite,
  SourceServiceType: str(),
  SourceServiceName: str(),
  TargetServiceType: str(),
  TargetServiceName: str(),
  ResourceGroupName: str(),
};
const scheduler: Record<string, Field> = {
  UpstreamDependencyConfigList: arr(obj({ TaskId: req(str({ pattern: /^\d+$/ })) })),
  RunPriorityType: int({ enum: [4, 5, 6] }),
  RetryWaitMinute: int({ min: 0 }),
  MaxRetryNumber: int({ min: 0 }),
  ExecutionTTLMinute: int({ min: -1 }),
  WaitExecutionTotalTTLMinute: int({ min: -1 }),
  AllowRedoType: str({ enum: REDO }),
  ParamTaskOutList: arr(kv),
  ParamTaskInList: arr(
    obj({
      ParamKey: req(str()),
      ParamDesc: req(str()),
      FromTaskId: req(str()),
      FromParamKey: req(str()),
      Type: str({ enum: ["TASK", "CONSTANT"] }),
    }),
  ),
  TaskOutputRegistryList: arr(
    obj({
      DatasourceId: req(str()),
      DatabaseName: req(str()),
      TableName: req(str()),
      PartitionName: req(str()),
      DataFlowType: req(str({ enum: ["UPSTREAM", "DOWNSTREAM"] })),
      TablePhysicalId: req(str()),
      DbGuid: str(),
      TableGuid: str(),
      CatalogName: str(),
      DatasourceName: str(),
      QualifiedName: str(),
    }),
  ),
  DependencyTriggerPolicy: str({ enum: POLICIES }),
  AllowDownstreamDependency: int({ enum: [0, 1] }),
  ScheduleType: int({ enum: [0, 1] }),
};

const triggerConfig = obj({
  TriggerMode: str({ enum: ["TIME_TRIGGER", "FILE_ARRIVAL", "CONTINUE_RUN"] }),
  ExtraInfo: str(),
  ScheduleTimeZone: str({ pattern: /^UTC[+-]\d{1,2}(:\d{2})?$/ }),
  StartTime: str({ pattern: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/ }),
  EndTime: str({ pattern: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/ }),
  ConfigMode: str({ enum: ["COMMON", "CRON_EXPRESSION"] }),
  CycleType: str({
    enum: [
      "ONEOFF_CYCLE",
      "YEAR_CYCLE",
      "MONTH_CYCLE",
      "WEEK_CYCLE",
      "DAY_CYCLE",
      "HOUR_CYCLE",
      "MINUTE_CYCLE",
      "CRONTAB_CYCLE",
    ],
  }),
  CrontabExpression: str(),
  TriggerId: str(),
  FileArrivalPath: str(),
  SchedulerStatus: str({ enum: ["ACTIVE", "PAUSED"] }),
  FileNamePattern: str({ pattern: /^[^/]*$/ }),
  Recursive: int({ enum: [0, 1] }),
  TriggerMinimumInterval: int({ min: 1, max: 1440 }),
  TriggerWaitTime: int({ min: 1, max: 60 }),
  TriggerMinimumIntervalSecond: int(),
  TriggerWaitTimeSecond: int(),
});
const workflowSettings: Record<string, Field> = {
  WorkflowDesc: str(),
  OwnerUin: str(),
  WorkflowParams: arr(kv),
  TriggerWorkflowSchedulerConfigurations: arr(triggerConfig),
  BundleId: str(),
  BundleInfo: str(),
  GeneralTaskParams: arr(obj({ Type: str({ enum: ["SPARK_SQL"] }), Value: str() })),
  TriggerWorkflowRunConfiguration: obj({
    MaxConcurrentNum: int({ min: 1, max: 1000 }),
    QueuingMode: int({ enum: [0, 1] }),
  }),
  SchedulerStatus: str({ enum: ["ACTIVE", "PAUSED"] }),
  ExecuteUserUin: str(),
};
const workflowName = str({ max: 100, pattern: /^[\p{L}\p{N}_-]+$/u });
const taskName = str({ max: 100, pattern: /^[\p{L}\p{N}_-]+$/u });
const idOf = { ProjectId: project, TaskId: req(str({ pattern: /^\d+$/ })) };

export const REQUEST_SPECS: Readonly<Record<string, Spec>> = {
  CreateTriggerWorkflow: obj({
    ProjectId: project,
    WorkflowName: req(workflowName),
    ParentFolderPath: req(str()),
    ...workflowSettings,
    TriggerMode: str({ enum: ["TIME_TRIGGER"] }),
  }),
  GetTriggerWorkflow: obj({ ProjectId: project, WorkflowId: req(str()) }),
  ListTriggerWorkflows: obj({
    ProjectId: project,
    ...page,
    Keyword: str(),
    ParentFolderPath: str(),
    BundleId: str(),
    OwnerUin: str(),
    CreateUserUin: str(),
    ExecuteUserUin: str(),
    ModifyTime: timeRange,
    CreateTime: timeRange,
  }),
  UpdateTriggerWorkflow: obj({
    ProjectId: project,
    WorkflowId: req(str()),
    WorkflowName: workflowName,
    ...workflowSettings,
    TriggerMode: str({ enum: ["TIME_TRIGGER", "FILE_ARRIVAL"] }),
  }),
  DeleteTriggerWorkflow: obj({ ProjectId: project, WorkflowId: req(str()) }),
  CreateTriggerTask: obj({
    ProjectId: project,
    TriggerTaskBaseAttribute: req(
      obj({
        TaskName: req(taskName),
        TaskTypeId: req(str({ enum: TASK_TYPE_IDS.map(String) })),
        WorkflowId: req(str()),
        OwnerUin: str(),
        TaskDescription: str(),
        TaskFolderPath: str(),
      }),
    ),
    TriggerTaskConfiguration: req(obj(taskConfigWrite)),
    TriggerTaskSchedulerConfiguration: req(obj(scheduler)),
  }),
  GetTriggerTask: obj(idOf),
  GetTriggerTaskCode: obj(idOf),
  ListTriggerTasks: obj({
    ProjectId: project,
    ...page,
    TaskName: str(),
    WorkflowId: str(),
    OwnerUin: str(),
    TaskTypeId: int(),
    Status: str({ enum: ["N", "Y", "F", "O", "T", "INVALID"] }),
    Submit: bool,
    BundleId: str(),
    CreateUserUin: str(),
    ModifyTime: timeRange,
    CreateTime: timeRange,
    TaskFolderPathList: arr(str()),
    WorkflowFolderPathList: arr(str()),
    TaskNodeTypeList: arr(str({ enum: FOLDER_TYPES })),
  }),
  UpdateTriggerTask: obj({
    ...idOf,
    Task: req(
      obj({
        // WorkflowId and TaskTypeId are not part of the update struct; they are accepted only to refuse a change.
        TriggerTaskBaseAttribute: req(
          obj({
            TaskName: req(taskName),
            OwnerUin: req(str()),
            TaskDescription: req(str()),
            TaskFolderPath: str(),
            WorkflowId: str(),
            TaskTypeId: str(),
          }),
        ),
        TriggerTaskConfiguration: req(obj(taskConfigRead)),
        TriggerTaskSchedulerConfiguration: req(obj(scheduler)),
      }),
    ),
  }),
  UpdateTriggerTaskPartially: obj({
    ...idOf,
    NewSetting: obj({
      TriggerTaskBaseAttribute: obj({
        TaskName: taskName,
        OwnerUin: str(),
        TaskDescription: str(),
        WorkflowId: str(),
        TaskTypeId: str(),
      }),
      TriggerTaskConfiguration: obj(taskConfigRead),
      TriggerTaskSchedulerConfiguration: obj(scheduler),
    }),
    FieldToRemoveList: arr(str({ pattern: /^[A-Za-z]+\/[A-Za-z]+:.+$/ })),
  }),
  DeleteTriggerTask: obj({ ...idOf, OperateInform: bool, DeleteMode: bool }),
  SubmitTriggerTask: obj({ ...idOf, VersionRemark: req(str()) }),
  ListUpstreamTriggerTasks: obj({ ...idOf, ...page }),
  ListDownstreamTriggerTasks: obj({ ...idOf, ...page }),
  CreateWorkflowFolder: obj({ ProjectId: project, ParentFolderPath: req(str()), FolderName: req(workflowName) }),
  ListWorkflowFolders: obj({ ProjectId: project, ParentFolderPath: req(str()), ...page }),
  CreateTaskFolder: obj({
    ProjectId: project,
    ParentTaskFolderPath: req(str()),
    TaskFolderName: req(workflowName),
    TaskFolderType: req(str({ enum: FOLDER_TYPES })),
    WorkflowId: req(str()),
  }),
  ListTaskFolders: obj({
    ProjectId: project,
    ParentTaskFolderPath: req(str()),
    WorkflowId: req(str()),
    TaskFolderType: req(str({ enum: FOLDER_TYPES })),
    ...page,
  }),
};
