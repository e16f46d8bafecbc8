export {
  runCompiled,
  pythonCommand,
  RunError,
  type RunOptions,
  type RunResult,
  type TaskRun,
  type TaskStatus,
  type RunEvent,
  type RunFolder,
  type StandIn,
  type StandInContext,
  type StandInResult,
} from "./run.js";
export { runWorkflow, type WorkflowRunOptions } from "./api.js";
export { decide, type Decision, type Outcome } from "./policies.js";
export { outputValue, resultTable, substitute, resolveParams } from "./params.js";
export { parseDataTime, timeParameter, type DataTime } from "./time-params.js";
