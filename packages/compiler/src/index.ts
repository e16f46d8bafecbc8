export { compileProject, findCycle, isText, MAX_CODE_BYTES } from "./compile.js";
export { renderOutput, isOutputFile, MANIFEST_VERSION } from "./emit.js";
export { canonicalJson, sha256 } from "./canonical.js";
export { CompileError, formatDiagnostic, type Diagnostic } from "./diagnostics.js";
export { folderChain, folderProblem, nameProblem } from "./names.js";
export { sleep } from "./sleep.js";
export { parsePlaceholder, taskKey, taskNameOf, taskPlaceholder, workflowPlaceholder } from "./refs.js";
export * from "./schemas.js";
export type * from "./model.js";

export { redactSecrets, redactValue, isSecretKey, rememberSecrets, containsSecret } from "./redact.js";
export {
  renderSnapshot,
  diffSnapshots,
  isSnapshotFile,
  codeFileName,
  taskTypeLabel,
  SNAPSHOT_DIR,
  type ResourceDiff,
} from "./snapshot.js";
export { quartzCronProblem } from "./quartz.js";
export { SCHEDULER_DEFAULTS } from "./lower.js";
