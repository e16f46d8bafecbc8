import type { TaskKind } from "./kinds.js";
import type { ConfigMode, CycleType, DataFlowType, RedoPolicy, SchedulerStatus, TriggerPolicy } from "./enums.js";
import type { SourceLocation } from "./source-location.js";
import type { DslProblem } from "./errors.js";

/** Brand keys: `Symbol.for` so two copies of the library loaded side by side recognise each other. */
export const TASK_BRAND = Symbol.for("wedata-kit.task");
export const WORKFLOW_BRAND = Symbol.for("wedata-kit.workflow");

/** The program of a task: a project-relative file read at compile time, or inline text. */
export type CodeSource =
  | { readonly from: "file"; readonly path: string; readonly binary?: true }
  | { readonly from: "inline"; readonly text: string };

export type KeyValue = readonly [key: string, value: string];

/** A reference to a task, by the identity of its `task()` call and its name. */
export interface TaskRef {
  readonly name: string;
  /** Where `task()` was called: with the name, the task's identity across derived builders. */
  readonly origin: SourceLocation;
  /** Where the referencing call (`.after`, `.input`) was written. */
  readonly at: SourceLocation;
}

/** A reference to a workflow declared in the project, or an existing one by id. */
export interface WorkflowRef {
  readonly name: string;
  readonly origin: SourceLocation;
  readonly at: SourceLocation;
}

/** An input parameter: read from an upstream task's output, or (For-each tasks) a constant. */
export type InputParamNode =
  | {
      readonly kind: "fromTask";
      readonly key: string;
      readonly from: TaskRef;
      readonly fromParam: string;
      readonly desc?: string;
    }
  | { readonly kind: "constant"; readonly key: string; readonly constant: string; readonly desc?: string };

export interface OutputRegistryNode {
  readonly datasourceId: string;
  readonly database: string;
  readonly table: string;
  readonly partition: string;
  readonly flow: DataFlowType;
  readonly tablePhysicalId: string;
  readonly dbGuid?: string;
  readonly tableGuid?: string;
  readonly catalog?: string;
  readonly datasourceName?: string;
  readonly qualifiedName?: string;
}

/** A task as data: everything its builder calls said, plus where they were said. */
export interface TaskNode {
  readonly kind: "task";
  readonly name: string;
  readonly origin: SourceLocation;
  /** Location of the call that set each setting, keyed by setting name. */
  readonly locs: Readonly<Record<string, SourceLocation>>;
  readonly taskKind?: TaskKind;
  readonly code?: CodeSource;
  readonly owner?: string;
  readonly description?: string;
  readonly folder?: string;
  readonly resourceGroup?: string;
  readonly dataCluster?: string;
  readonly brokerIp?: string;
  readonly yarnQueue?: string;
  readonly sourceServiceIds?: readonly string[];
  readonly targetServiceIds?: readonly string[];
  readonly bundleId?: string;
  readonly bundleInfo?: string;
  readonly schedulingParams?: readonly KeyValue[];
  readonly ext: readonly KeyValue[];
  readonly maxRetries?: number;
  readonly retryWaitMinutes?: number;
  readonly priority?: number;
  readonly executionTimeoutMinutes?: number;
  readonly waitTimeoutMinutes?: number;
  readonly redo?: RedoPolicy;
  readonly outputs?: readonly KeyValue[];
  readonly inputs?: readonly InputParamNode[];
  readonly outputRegistry?: readonly OutputRegistryNode[];
  readonly triggerPolicy?: TriggerPolicy;
  readonly allowDownstream?: boolean;
  readonly dryRun?: boolean;
  readonly upstream: readonly TaskRef[];
  /** For Run Workflow (140) tasks: the workflow this task runs. */
  readonly runs?: WorkflowRef;
  /** Misuses of the builder, reported by the compiler (each at its own line). */
  readonly problems?: readonly DslProblem[];
  /** The task's earlier name in the same workflow: renamed in place on deploy. */
  readonly renamedFrom?: string;
}

/** A workflow's schedule: a Quartz cron, or the arrival of files. */
export type ScheduleNode = CronScheduleNode | FileArrivalScheduleNode;

export interface CronScheduleNode {
  readonly triggerMode: "TIME_TRIGGER";
  readonly cron: string;
  readonly cycle: CycleType;
  readonly configMode: ConfigMode;
  readonly timezone: string;
  readonly start: string;
  readonly end: string;
  readonly status?: SchedulerStatus;
}

export interface FileArrivalScheduleNode {
  readonly triggerMode: "FILE_ARRIVAL";
  readonly fileArrivalPath: string;
  readonly fileNamePattern?: string;
  readonly recursive: boolean;
  readonly minIntervalMinutes: number;
  readonly batchWaitMinutes: number;
  readonly status?: SchedulerStatus;
}

/** A trigger workflow as data. `existingId` set means the project places tasks in it but does not manage it. */
export interface WorkflowNode {
  readonly kind: "workflow";
  readonly name: string;
  readonly origin: SourceLocation;
  readonly locs: Readonly<Record<string, SourceLocation>>;
  readonly existingId?: string;
  readonly folder?: string;
  readonly description?: string;
  readonly owner?: string;
  readonly params?: readonly KeyValue[];
  readonly schedules?: readonly ScheduleNode[];
  readonly status?: SchedulerStatus;
  readonly maxConcurrentRuns?: number;
  readonly queueWhenBusy?: boolean;
  readonly sparkSqlParams?: readonly KeyValue[];
  readonly executeUser?: string;
  readonly bundleId?: string;
  readonly bundleInfo?: string;
  readonly tasks: readonly TaskNode[];
  /** Misuses of the builder, reported by the compiler (each at its own line). */
  readonly problems?: readonly DslProblem[];
  /** The workflow's earlier name: renamed in place on deploy. */
  readonly renamedFrom?: string;
}
