import {
  CONFIG_MODES,
  CYCLE_TYPES,
  SCHEDULER_STATUSES,
  type ConfigMode,
  type CycleType,
  type SchedulerStatus,
} from "./enums.js";
import { attempt, DslError, recordMisuse, type DslProblem } from "./errors.js";
import { WORKFLOW_BRAND, type ScheduleNode, type TaskNode, type WorkflowNode } from "./ir.js";
import { callerLocation, shownLocation, type SourceLocation } from "./source-location.js";
import { isTask } from "./brand.js";
import type { TaskBuilder } from "./task.js";
import {
  deepFreeze,
  describeValue,
  isCalendarDateTime,
  requireInt,
  requireOneOf,
  requireString,
  toKeyValues,
} from "./values.js";

/** A time trigger (`TriggerMode` TIME_TRIGGER). Times are `yyyy-MM-dd HH:mm:ss` in `timezone`. */
export interface CronSchedule {
  /** Quartz cron, 7 fields `sec min hour day-of-month month day-of-week year`, e.g. `0 0 2 * * ? *` (daily 02:00). */
  readonly cron: string;
  /** `CycleType`; default `CRONTAB_CYCLE` (with `ConfigMode` CRON_EXPRESSION). */
  readonly cycle?: CycleType;
  /** `ConfigMode`; default CRON_EXPRESSION, or COMMON when `cycle` is given. */
  readonly configMode?: ConfigMode;
  /** `ScheduleTimeZone`; default `UTC+8`. */
  readonly timezone?: string;
  /** `StartTime`, required: when the schedule takes effect. */
  readonly start: string;
  /** `EndTime`; default `2099-12-31 23:59:59`. */
  readonly end?: string;
}

/** A file-arrival trigger (`TriggerMode` FILE_ARRIVAL). */
export interface FileArrivalSchedule {
  /** `FileArrivalPath`: the storage path watched. */
  readonly fileArrival: string;
  /** `FileNamePattern`: a file name with `*`, no `/`. */
  readonly pattern?: string;
  /** `Recursive`: watch sub-directories (default true). */
  readonly recursive?: boolean;
  /** `TriggerMinimumInterval`, minutes 1..1440. */
  readonly minIntervalMinutes: number;
  /** `TriggerWaitTime`, minutes 1..60. */
  readonly batchWaitMinutes: number;
}

export type ScheduleInput = CronSchedule | FileArrivalSchedule;

/** Options of a managed workflow (CreateTriggerWorkflow). */
export interface WorkflowOptions {
  /**
   * Workflow folder (`ParentFolderPath`), absolute, e.g. `/etl`; created on deploy. Default `/默认文件夹` is
   * NOT assumed: required.
   */
  readonly folder: string;
  /** `WorkflowDesc`. */
  readonly description?: string;
  /** `OwnerUin`; defaults to the caller. */
  readonly owner?: string;
  /** `WorkflowParams`, in declared order. */
  readonly params?: Readonly<Record<string, string | number | boolean>>;
  /** The unified schedule(s) (`TriggerWorkflowSchedulerConfigurations`). */
  readonly schedule?: ScheduleInput | readonly ScheduleInput[];
  /** `SchedulerStatus`: ACTIVE or PAUSED. */
  readonly status?: SchedulerStatus;
  /** `TriggerWorkflowRunConfiguration.MaxConcurrentNum`, 1..1000. */
  readonly maxConcurrentRuns?: number;
  /** `TriggerWorkflowRunConfiguration.QueuingMode`: queue runs over the limit (true) or skip them (false). */
  readonly queueWhenBusy?: boolean;
  /** `GeneralTaskParams` of type SPARK_SQL, sent as `k=v` joined with `;`. */
  readonly sparkSqlParams?: Readonly<Record<string, string>>;
  /** `ExecuteUserUin`: run-as account; defaults to the caller. */
  readonly executeUser?: string;
  readonly bundleId?: string;
  readonly bundleInfo?: string;
}

/** An immutable builder for a trigger workflow. */
export interface WorkflowBuilder<Name extends string = string> {
  readonly [WORKFLOW_BRAND]: true;
  readonly name: Name;
  readonly node: WorkflowNode;
  /**
   * Place tasks in this workflow (each task's `WorkflowId`), in addition to those already placed. Each task's
   * dependencies must be tasks of this workflow.
   * @example workflow("daily_etl", { folder: "/etl" }).tasks(extract, load)
   */
  tasks(...tasks: TaskBuilder[]): WorkflowBuilder<Name>;
  /**
   * The name this workflow had before: the deploy renames the remote workflow in place (a new
   * `WorkflowName` in its update; same `WorkflowId`, same tasks). Once deployed it can be removed; when no
   * workflow of the old name exists it does nothing.
   * @example workflow("daily_orders", { folder: "/etl" }).renamedFrom("orders_daily")
   */
  renamedFrom(oldName: string): WorkflowBuilder<Name>;
}

const DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

function scheduleNode(s: ScheduleInput, loc: SourceLocation): ScheduleNode {
  if (s && typeof s === "object" && "fileArrival" in s) {
    return {
      triggerMode: "FILE_ARRIVAL",
      fileArrivalPath: requireString(s.fileArrival, "fileArrival path", loc),
      ...(s.pattern !== undefined ? { fileNamePattern: requireString(s.pattern, "file name pattern", loc) } : {}),
      recursive: s.recursive ?? true,
      minIntervalMinutes: requireInt(s.minIntervalMinutes, "minIntervalMinutes (TriggerMinimumInterval)", loc, 1, 1440),
      batchWaitMinutes: requireInt(s.batchWaitMinutes, "batchWaitMinutes (TriggerWaitTime)", loc, 1, 60),
    };
  }
  if (!s || typeof s !== "object" || !("cron" in s)) {
    throw new DslError(
      "E_TYPE",
      "schedule must be { cron, start, ... } or { fileArrival, ... }",
      loc,
      'write schedule: { cron: "0 0 2 * * ? *", start: "2026-01-01 00:00:00" }',
    );
  }
  for (const [what, v] of [
    ["start", s.start],
    ["end", s.end],
  ] as const) {
    if (v !== undefined && (typeof v !== "string" || !DATETIME.test(v))) {
      throw new DslError(
        "E_DATETIME",
        `schedule ${what} must be "yyyy-MM-dd HH:mm:ss", got ${describeValue(v)}`,
        loc,
        'e.g. "2026-01-01 00:00:00"',
      );
    }
    if (v !== undefined && !isCalendarDateTime(v)) {
      throw new DslError(
        "E_DATETIME",
        `schedule ${what} ${JSON.stringify(v)} is not a date and time that exists`,
        loc,
        "check the day of the month (February has 28 or 29 days) and that hours run 00-23",
      );
    }
  }
  if (s.start === undefined)
    throw new DslError("E_DATETIME", "schedule start is required", loc, 'add start: "2026-01-01 00:00:00"');
  const cycle =
    s.cycle === undefined ? "CRONTAB_CYCLE" : requireOneOf(s.cycle, CYCLE_TYPES, "schedule cycle (CycleType)", loc);
  return {
    triggerMode: "TIME_TRIGGER",
    cron: requireString(s.cron, "cron", loc),
    cycle,
    configMode:
      s.configMode === undefined
        ? s.cycle
          ? "COMMON"
          : "CRON_EXPRESSION"
        : requireOneOf(s.configMode, CONFIG_MODES, "schedule configMode", loc),
    timezone: s.timezone ?? "UTC+8",
    start: s.start,
    end: s.end ?? "2099-12-31 23:59:59",
  };
}

class WorkflowBuilderImpl<Name extends string> implements WorkflowBuilder<Name> {
  readonly [WORKFLOW_BRAND] = true as const;
  constructor(readonly node: WorkflowNode) {}
  get name(): Name {
    return this.node.name as Name;
  }
  renamedFrom(oldName: string): WorkflowBuilder<Name> {
    const loc = callerLocation();
    return new WorkflowBuilderImpl<Name>(
      deepFreeze({
        ...this.node,
        renamedFrom: requireString(oldName, "renamedFrom", loc),
        locs: { ...this.node.locs, renamedFrom: loc },
      }),
    );
  }
  tasks(...tasks: TaskBuilder[]): WorkflowBuilder<Name> {
    const loc = callerLocation();
    const problems: DslProblem[] = [];
    const nodes: TaskNode[] = tasks.flatMap((t, i) => {
      if (isTask(t)) return [t.node];
      attempt(problems, () => {
        throw new DslError(
          "E_TYPE",
          `tasks() argument ${i + 1} is not a task made with task()`,
          loc,
          "pass builders returned by task(...)",
        );
      });
      return [];
    });
    const all = [...(this.node.problems ?? []), ...problems];
    return new WorkflowBuilderImpl<Name>(
      deepFreeze({
        ...this.node,
        tasks: [...this.node.tasks, ...nodes],
        locs: { ...this.node.locs, tasks: loc },
        ...(all.length && { problems: all }),
      }),
    );
  }
}

recordMisuse(
  WorkflowBuilderImpl.prototype as WorkflowBuilderImpl<string>,
  [],
  (self, problem) =>
    new WorkflowBuilderImpl<string>(deepFreeze({ ...self.node, problems: [...(self.node.problems ?? []), problem] })),
);

/**
 * Declare a trigger workflow managed by this project (CreateTriggerWorkflow).
 * @param name `WorkflowName`, unique within the project.
 * @example
 * export const daily = workflow("daily_etl", {
 *   folder: "/etl",
 *   schedule: { cron: "0 0 2 * * ? *", start: "2026-01-01 00:00:00" },
 *   params: { bizdate: "${yyyyMMdd}" },
 * }).tasks(extract, load);
 */
export function workflow<const Name extends string>(name: Name, options: WorkflowOptions): WorkflowBuilder<Name> {
  const loc = shownLocation();
  // Each option is checked on its own: every misuse is recorded and reported together at compile.
  const problems: DslProblem[] = [];
  const check = <T>(f: () => T) => attempt(problems, f);
  check(() => requireString(name, "workflow name", loc));
  const o: Partial<WorkflowOptions> =
    options && typeof options === "object"
      ? options
      : (check(() => {
          throw new DslError(
            "E_TYPE",
            `workflow "${String(name)}" needs options with at least { folder }`,
            loc,
            'write workflow("name", { folder: "/etl" })',
          );
        }) ?? {});
  const opt = <K extends keyof WorkflowNode, T>(key: K, present: boolean, f: () => T) => {
    if (!present) return {};
    const v = check(f);
    return v === undefined ? {} : { [key]: v };
  };
  const schedules =
    o.schedule === undefined
      ? undefined
      : (Array.isArray(o.schedule) ? o.schedule : [o.schedule]).flatMap(
          (s) => check(() => [scheduleNode(s as ScheduleInput, loc)]) ?? [],
        );
  const node: WorkflowNode = {
    kind: "workflow",
    name: String(name),
    origin: loc,
    locs: { name: loc },
    ...opt("folder", options !== null && typeof options === "object", () =>
      requireString(o.folder, "workflow folder", loc),
    ),
    ...opt("description", o.description !== undefined, () => requireString(o.description, "description", loc)),
    ...opt("owner", o.owner !== undefined, () => requireString(o.owner, "owner", loc)),
    ...opt("params", o.params !== undefined, () => toKeyValues(o.params!, "params", loc)),
    ...(schedules ? { schedules } : {}),
    ...opt("status", o.status !== undefined, () =>
      requireOneOf(o.status, SCHEDULER_STATUSES, "status (SchedulerStatus)", loc),
    ),
    ...opt("maxConcurrentRuns", o.maxConcurrentRuns !== undefined, () =>
      requireInt(o.maxConcurrentRuns, "maxConcurrentRuns (MaxConcurrentNum)", loc, 1, 1000),
    ),
    ...(o.queueWhenBusy !== undefined ? { queueWhenBusy: Boolean(o.queueWhenBusy) } : {}),
    ...opt("sparkSqlParams", o.sparkSqlParams !== undefined, () =>
      toKeyValues(o.sparkSqlParams!, "sparkSqlParams", loc),
    ),
    ...opt("executeUser", o.executeUser !== undefined, () => requireString(o.executeUser, "executeUser", loc)),
    ...opt("bundleId", o.bundleId !== undefined, () => requireString(o.bundleId, "bundleId", loc)),
    ...opt("bundleInfo", o.bundleInfo !== undefined, () => requireString(o.bundleInfo, "bundleInfo", loc)),
    tasks: [],
    ...(problems.length && { problems }),
  };
  return new WorkflowBuilderImpl<Name>(deepFreeze(node));
}

/**
 * An existing workflow, not managed by this project, to place tasks in by id (as in WeData's own
 * CreateTriggerTask example). The project never creates, updates or deletes it.
 * @param id The remote `WorkflowId` (a UUID).
 * @param name A local name for output paths and messages; defaults to the id.
 * @example existingWorkflow("d3e40dcc-bf42-4fb9-b081-b00408d478ec", "legacy").tasks(report)
 */
export function existingWorkflow(id: string, name?: string): WorkflowBuilder {
  const loc = shownLocation();
  const problems: DslProblem[] = [];
  attempt(problems, () => requireString(id, "workflow id", loc));
  return new WorkflowBuilderImpl(
    deepFreeze({
      kind: "workflow",
      name: String(name ?? id),
      origin: loc,
      locs: { name: loc },
      existingId: String(id),
      tasks: [],
      ...(problems.length && { problems }),
    }),
  );
}

export { isWorkflow } from "./brand.js";
