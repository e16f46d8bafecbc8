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
  /** The extension of the program's file in snapshots and local runs. */
  readonly fileExtension: string;
}

/** Every task kind a workflow-scheduling project accepts (CreateTriggerTaskBaseAttribute.TaskTypeId). */
export const TASK_KINDS = {
  offlineSync: {
    typeId: 26,
    label: "OfflineSynchronization",
    folderType: "ETL",
    code: "required",
    fileExtension: "job.json",
  },
  python: { typeId: 30, label: "Python", folderType: "GENERAL", code: "required", fileExtension: "py" },
  dlcSql: { typeId: 32, label: "DLC SQL", folderType: "DLC", code: "required", fileExtension: "sql" },
  shell: { typeId: 35, label: "Shell", folderType: "GENERAL", code: "required", fileExtension: "sh" },
  shellForm: { typeId: 38, label: "Shell Form Mode", folderType: "GENERAL", code: "none", fileExtension: "txt" },
  dlcSpark: { typeId: 46, label: "DLC Spark", folderType: "DLC", code: "none", fileExtension: "txt" },
  dlcPySpark: { typeId: 50, label: "DLC PySpark", folderType: "DLC", code: "required", fileExtension: "py" },
  branch: { typeId: 130, label: "Branch", folderType: "GENERAL", code: "optional", fileExtension: "txt" },
  merge: { typeId: 131, label: "Merge", folderType: "GENERAL", code: "none", fileExtension: "txt" },
  notebook: { typeId: 132, label: "Notebook", folderType: "GENERAL", code: "optional", fileExtension: "txt" },
  ssh: { typeId: 133, label: "SSH", folderType: "GENERAL", code: "required", fileExtension: "sh" },
  forEach: { typeId: 137, label: "For-each", folderType: "GENERAL", code: "optional", fileExtension: "txt" },
  dlcSparkStreaming: {
    typeId: 139,
    label: "DLC Spark Streaming",
    folderType: "DLC",
    code: "optional",
    fileExtension: "py",
  },
  runWorkflow: { typeId: 140, label: "Run Workflow", folderType: "GENERAL", code: "none", fileExtension: "txt" },
} as const satisfies Record<string, TaskKindInfo>;

export type TaskKind = keyof typeof TASK_KINDS;
