export {
  applyPlan,
  type ApplyEvent,
  type ApplyFailure,
  type ApplyOptions,
  type ApplySummary,
  type StepInfo,
} from "./apply.js";
export { RateLimitedCaller, DEFAULT_RETRY, type CallerOptions, type RetryPolicy } from "./caller.js";
export { plannedCalls, expectedSeconds, totalCalls } from "./calls.js";
export {
  makePlanFile,
  parsePlanFile,
  planFlagConflict,
  stalePlanReason,
  PLAN_FILE_VERSION,
  type PlanFile,
  type PlanFlags,
} from "./plan-file.js";
export { ApiCallError } from "./errors.js";
export {
  comparableDesiredTask,
  comparableRemoteTask,
  comparedKeys,
  diffFields,
  ownedKeysOf,
  SCHEDULER_DEFAULTS,
  type FieldChange,
} from "./normalize.js";
export {
  saveAppliedState,
  readAppliedState,
  isStateTaskName,
  STATE_TASK_PREFIX,
  type AppliedEntry,
  type AppliedState,
} from "./applied.js";
export { OWNER_EXT_KEY, workflowMark, workflowOwner, taskOwner } from "./ownership.js";
export {
  destroyInput,
  planDeployment,
  planHasChanges,
  resolveRefs,
  PlanError,
  type Plan,
  type PlanOptions,
  type PlannedTask,
  type TaskChange,
  type TaskCreate,
  type TaskDelete,
  type TaskInPlace,
  type TaskReplace,
  type WorkflowChange,
  type WorkflowCreate,
  type WorkflowDelete,
  type WorkflowExisting,
  type WorkflowInPlace,
  type WorkflowReplace,
  type FolderChange,
  type ChangeOp,
} from "./plan.js";
export {
  cacheTaskReads,
  fetchRemoteState,
  readWorkflows,
  UnknownWorkflowError,
  type ReadWorkflows,
  folderOfPath,
  listAll,
  MisbehavingServerError,
  MAX_PAGES,
  type ReadCacheStore,
  type RemoteState,
  type RemoteTaskRecord,
  type RemoteWorkflow,
  type FetchOptions,
} from "./remote.js";
export {
  connectSdk,
  credentialsFromEnvironment,
  checkEndpoint,
  CredentialError,
  profileFiles,
  type Action,
  type ConnectOptions,
  type Credentials,
  type WedataApi,
} from "./sdk-client.js";
export {
  guardDeletions,
  DEFAULT_MAX_DELETES,
  DEFAULT_MAX_DELETE_PERCENT,
  type DeletionPolicy,
  type GuardedDeletions,
} from "./deletions.js";
export { PlanSchema, PlanOutputSchema, TaskChangeSchema, WorkflowChangeSchema } from "./plan-schema.js";
export {
  acquireLock,
  breakLock,
  readLock,
  lockWorkflowName,
  isLockWorkflow,
  removeLockWorkflow,
  LockHeldError,
  LOCK_BUNDLE,
  LOCK_FOLDER,
  type HeldLock,
  type LockInfo,
} from "./lock.js";
export { runDoctor, type DoctorCheck, type DoctorReport } from "./doctor.js";
export {
  applyFindings,
  parseFindingsFile,
  runWorkflowConfirmed,
  runWorkflowWarning,
  runWorkflowTasks,
  FindingsFileSchema,
  RUN_WORKFLOW_KEYS,
  type Findings,
  type FindingsFile,
} from "./findings.js";
