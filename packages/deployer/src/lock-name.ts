const LOCK_PREFIX = "wedata_kit_lock_";
/** The workflow folder holding the deploy locks. */
export const LOCK_FOLDER = "/wedata-kit";

/** The deploy lock workflow's name for a project (a name WeData accepts). */
export const lockWorkflowName = (project: string) =>
  `${LOCK_PREFIX}${project.replace(/[^\p{L}\p{N}_-]/gu, "_")}`.slice(0, 100);

/** The deploy state's tasks in the bookkeeping workflow: `state_0`, `state_1`, ... */
export const STATE_TASK_PREFIX = "state_";
export const isStateTaskName = (name: string | undefined) =>
  name !== undefined && new RegExp(`^${STATE_TASK_PREFIX}\\d+$`).test(name);

/** Whether a remote workflow is a deploy lock's: plans, prune, destroy's listing and import leave it alone. */
export const isLockWorkflow = (name: string | undefined) => name?.startsWith(LOCK_PREFIX) === true;
