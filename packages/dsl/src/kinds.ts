import type { TaskFolderType } from "./enums.js";

/** How a task kind carries its program: in `CodeContent` (required or optional) or not at all. */
export type CodeRule = "required" | "optional" | "none";

export interface TaskKindInfo {
  /** The `TaskTypeId` sent to CreateTriggerTask (a string there, a number on read). */
  readonly typeId: number;
  /** Display name, as WeData's `TaskTypeDesc`. */
  readonly label: string;
  /** The task-folder category the console files this kind under. */
  readonly folderType: TaskFolderType;
  readonly code: CodeRule;
}

/** Every task kind a workflow-scheduling project accepts (CreateTriggerTaskBaseAttribute.TaskTypeId). */
export const TASK_KINDS = {
  offlineSync: { typeId: 26, label: "OfflineSynchronization", folderType: "ETL", code: "required" },
  python: { typeId: 30, label: "Python", folderType: "GENERAL", code: "required" },
  dlcSql: { typeId: 32, label: "DLC SQL", folderType: "DLC", code: "required" },
  shell: { typeId: 35, label: "Shell", folderType: "GENERAL", code: "required" },
  shellForm: { typeId: 38, label: "Shell Form Mode", folderType: "GENERAL", code: "none" },
  dlcSpark: { typeId: 46, label: "DLC Spark", folderType: "DLC", code: "none" },
  dlcPySpark: { typeId: 50, label: "DLC PySpark", folderType: "DLC", code: "required" },
  branch: { typeId: 130, label: "Branch", folderType: "GENERAL", code: "optional" },
  merge: { typeId: 131, label: "Merge", folderType: "GENERAL", code: "none" },
  notebook: { typeId: 132, label: "Notebook", folderType: "GENERAL", code: "optional" },
  ssh: { typeId: 133, label: "SSH", folderType: "GENERAL", code: "required" },
  forEach: { typeId: 137, label: "For-each", folderType: "GENERAL", code: "optional" },
  dlcSparkStreaming: { typeId: 139, label: "DLC Spark Streaming", folderType: "DLC", code: "optional" },
  runWorkflow: { typeId: 140, label: "Run Workflow", folderType: "GENERAL", code: "none" },
} as const satisfies Record<string, TaskKindInfo>;

export type TaskKind = keyof typeof TASK_KINDS;

