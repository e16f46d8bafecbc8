export { applyPlan, type ApplyEvent, type ApplyFailure, type ApplyOptions, type ApplySummary, type StepInfo } from "./apply.js";
export { RateLimitedCaller, DEFAULT_RETRY, type CallerOptions, type RetryPolicy } from "./caller.js";
export { plannedCalls, expectedSeconds } from "./calls.js";
export { ApiCallError } from "./errors.js";
export { comparableDesiredTask, comparableRemoteTask, diffFields, SCHEDULER_DEFAULTS, SYSTEM_EXT_KEYS, type FieldChange } from "./normalize.js";
export { OWNER_EXT_KEY, workflowMark, workflowOwner, taskOwner } from "./ownership.js";
export { planDeployment, planHasChanges, resolveRefs, PlanError, type Plan, type PlanOptions, type TaskChange, type WorkflowChange, type FolderChange, type ChangeOp } from "./plan.js";
export { cacheTaskReads, fetchRemoteState, folderOfPath, listAll, MisbehavingServerError, MAX_PAGES, type ReadCacheStore, type RemoteState, type RemoteTaskRecord, type RemoteWorkflow, type FetchOptions } from "./remote.js";
export { connectSdk, credentialsFromEnvironment, checkEndpoint, CredentialError, profileFiles, type Action, type ConnectOptions, type Credentials, type WedataApi } from "./sdk-client.js";
