/** Values of `AllowRedoType`: when a finished run may be rerun or backfilled. */
export const REDO_POLICIES = ["ALL", "FAILURE", "NONE"] as const;
export type RedoPolicy = (typeof REDO_POLICIES)[number];

/** Values of `DependencyTriggerPolicy` (WEDATA-API.md 6.4). Default `ALL_SUCCESS`. */
export const TRIGGER_POLICIES = [
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
] as const;
export type TriggerPolicy = (typeof TRIGGER_POLICIES)[number];

/** Run priority names and their `RunPriorityType` numbers: 4 high, 5 medium, 6 low (default). */
export const PRIORITIES = { high: 4, medium: 5, low: 6 } as const;
export type Priority = keyof typeof PRIORITIES;

/** `TaskFolderType` / `TaskNodeTypeList` categories. */
export const TASK_FOLDER_TYPES = [
  "ETL",
  "EMR",
  "DLC",
  "SETATS",
  "TDSQL",
  "TCHOUSE",
  "GENERAL",
  "TI_ONE",
  "ACROSS_WORKFLOWS",
] as const;
export type TaskFolderType = (typeof TASK_FOLDER_TYPES)[number];

export const SCHEDULER_STATUSES = ["ACTIVE", "PAUSED"] as const;
export type SchedulerStatus = (typeof SCHEDULER_STATUSES)[number];

export const CYCLE_TYPES = [
  "ONEOFF_CYCLE",
  "YEAR_CYCLE",
  "MONTH_CYCLE",
  "WEEK_CYCLE",
  "DAY_CYCLE",
  "HOUR_CYCLE",
  "MINUTE_CYCLE",
  "CRONTAB_CYCLE",
] as const;
export type CycleType = (typeof CYCLE_TYPES)[number];

export const CONFIG_MODES = ["COMMON", "CRON_EXPRESSION"] as const;
export type ConfigMode = (typeof CONFIG_MODES)[number];

/** `TaskDataRegistry.DataFlowType`. */
export const DATA_FLOW_TYPES = ["UPSTREAM", "DOWNSTREAM"] as const;
export type DataFlowType = (typeof DATA_FLOW_TYPES)[number];

/** Python interpreter versions offered for Python (30) and DLC PySpark (50) tasks. */
export const PYTHON_VERSIONS = ["python2", "python3", "python3.11", "python3.12"] as const;
export type PythonVersion = (typeof PYTHON_VERSIONS)[number];

/** DLC SQL engine flavours and the ext keys they imply (WEDATA-API.md 7.1). */
export const DLC_SQL_ENGINE_KINDS = {
  "supersql-sparksql": { dlcEngineType: "SparkSQLTask", computeResourceType: "nonSparkJob" },
  "supersql-presto": { dlcEngineType: "SQLTask", computeResourceType: "nonSparkJob" },
  "supersql-spark-batch": { dlcEngineType: "sparkJob", computeResourceType: "sparkJob", IsInherit: "1" },
  "standard-spark": { dlcEngineType: "StandardSpark", computeResourceType: "nonSparkJob", IsInherit: "2" },
  "standard-presto": { dlcEngineType: "StandardPresto", computeResourceType: "nonSparkJob" },
} as const satisfies Record<string, Record<string, string>>;
export type DlcSqlEngineKind = keyof typeof DLC_SQL_ENGINE_KINDS;
