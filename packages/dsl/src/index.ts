export {
  task,
  isTask,
  type TaskBuilder,
  type CodeInput,
  type DlcEngineOptions,
  type DlcSqlOptions,
  type DlcSparkOptions,
  type DlcPySparkOptions,
  type ShellFormOptions,
  type InputOptions,
  type OutputRegistryOptions,
} from "./task.js";
export {
  workflow,
  existingWorkflow,
  isWorkflow,
  type WorkflowBuilder,
  type WorkflowOptions,
  type CronSchedule,
  type FileArrivalSchedule,
  type ScheduleInput,
} from "./workflow.js";
export { defineConfig, type ProjectConfig, type TargetConfig } from "./config.js";
export { TASK_KINDS, type TaskKind, type TaskKindInfo, type CodeRule } from "./kinds.js";
export * from "./enums.js";
export * from "./ir.js";
export { DslError, WedataKitError, must, type DslProblem } from "./errors.js";
export {
  lazyLocation,
  mentionsUncaptured,
  NOT_CAPTURED,
  SKIP_METHOD_LOCATIONS,
  type SourceLocation,
} from "./source-location.js";
export { env, envSecrets } from "./env.js";
export {
  byTarget,
  currentTarget,
  CURRENT_TARGET,
  TARGET_VALUES,
  type CurrentTarget,
  type TargetValue,
} from "./target.js";
export {
  decodeExtOptions,
  encodeExtOptions,
  extOptionsOf,
  EXT_OPTIONS,
  type ExtCodec,
  type ExtOption,
  type ExtOptionValue,
} from "./ext-options.js";
